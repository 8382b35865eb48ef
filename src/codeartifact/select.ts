// Which sections apply to a registry, and which section each setting comes from.
import type { ConfigEntry, ConfigSection, KeyringConfig, Qualifier } from "./config.js";
import { QUALIFIERS } from "./config.js";
import { type SettingDefinition, settingDefinition, suggestSetting } from "./settings.js";

export type SelectionRequest = Partial<Record<Qualifier, string>>;

export interface SelectedSetting {
  /** Raw value as written (quotes removed, `${…}` not yet resolved). */
  value: string;
  /** Header of the section it came from. */
  section: string;
  file?: string;
  line?: number;
}

/** Where the credential group came from, and what was set aside for it. */
export interface CredentialChoice {
  /** Header of the section that supplies every credential setting. */
  section: string;
  file?: string;
  line?: number;
  /** Less specific (or equally specific, later) applying sections whose credential keys were not used. */
  setAside: { section: string; keys: string[]; line?: number }[];
}

export interface Selection {
  /** By canonical key (`profile` is reported as `profile_name`). */
  settings: Record<string, SelectedSetting>;
  /** The section supplying the credential group; undefined when no applying section sets any. */
  credentials?: CredentialChoice;
  /** Section headers used, least specific first. */
  applied: string[];
  warnings: string[];
}

/** Number of qualifiers a section states: more is more specific. */
export function specificity(section: ConfigSection): number {
  return Object.keys(section.qualifiers).length;
}

/**
 * Whether a section applies: every qualifier it states equals the request's. A section that names
 * another account does not apply, however many other qualifiers match (keyrings.codeartifact scores
 * matches without excluding mismatches, so a wrong section can win there; here it cannot).
 */
export function sectionApplies(section: ConfigSection, request: SelectionRequest): boolean {
  return QUALIFIERS.every((q) => {
    const wanted = section.qualifiers[q];
    if (wanted === undefined) return true;
    const asked = request[q];
    if (asked === undefined) return false;
    return q === "domain" || q === "region" ? wanted === asked.toLowerCase() : wanted === asked;
  });
}

function where(config: KeyringConfig, line: number | undefined): string {
  return `${config.file ?? "config"}${line ? `:${line}` : ""}`;
}

function unknownSettingWarning(
  config: KeyringConfig,
  section: ConfigSection,
  entry: { key: string; line?: number },
): string {
  const hint = suggestSetting(entry.key);
  return `${where(config, entry.line)}: unknown setting \`${entry.key}\` in [${section.header}]${hint ? `; did you mean \`${hint}\`?` : " (ignored)"}`;
}

/**
 * The unknown settings of every section, whichever registry it applies to (what `selectSettings`
 * warns about for the sections it applies): for a command that found no registry to select for.
 */
export function unknownSettingWarnings(config: KeyringConfig): string[] {
  const sections = [...(config.defaults ? [config.defaults] : []), ...config.sections];
  return sections.flatMap((section) =>
    section.entries.flatMap((entry) =>
      settingDefinition(entry.key) ? [] : [unknownSettingWarning(config, section, entry)],
    ),
  );
}

/**
 * Chooses the settings for a registry. The rules, in order:
 * 1. `[codeartifact]` holds defaults for every registry.
 * 2. A qualified section applies only if every qualifier it states equals the request.
 * 3. Credentials are one group (`CREDENTIAL_KEYS`): the most specific applying section that sets any
 *    of them supplies all of them; less specific sections' credential keys are set aside (reported in
 *    `credentials.setAside`), so two sections never combine into an identity nobody wrote.
 * 4. Every other setting cascades key by key: applying sections override the defaults and each other
 *    from least to most specific, so each key comes from the most specific section that sets it.
 * 5. Between applying sections of equal specificity, the one earlier in the file wins (a key, or the
 *    credential group), as a reader would expect, and a warning names both.
 * 6. Unknown keys warn, with the closest known key, so a typo does not silently do nothing.
 *
 * @example
 * selectSettings(config, { domain: "corp", account: "111122223333", region: "us-east-1", name: "npm" })
 */
export function selectSettings(config: KeyringConfig, request: SelectionRequest): Selection {
  const warnings: string[] = [];
  const settings: Record<string, SelectedSetting> = Object.create(null);
  const applying = config.sections.filter((section) => sectionApplies(section, request));
  // Stable sort: equal specificity keeps file order.
  const ordered = [...applying].sort((a, b) => specificity(a) - specificity(b));
  const layers: ConfigSection[][] = [];
  if (config.defaults) layers.push([config.defaults]);
  for (const section of ordered) {
    const last = layers.at(-1);
    const lastSection = last?.[0];
    if (
      last &&
      lastSection &&
      lastSection !== config.defaults &&
      specificity(lastSection) === specificity(section)
    ) {
      last.push(section);
    } else {
      layers.push([section]);
    }
  }

  const credentialEntries = new Map<ConfigSection, CredentialEntry[]>();
  for (const layer of layers) {
    const setInLayer = new Map<string, ConfigSection>();
    for (const section of layer) {
      for (const entry of section.entries) {
        const definition = settingDefinition(entry.key);
        if (!definition) {
          warnings.push(unknownSettingWarning(config, section, entry));
          continue;
        }
        if (definition.credential) {
          credentialEntries.set(section, [...(credentialEntries.get(section) ?? []), { entry, definition }]);
          continue;
        }
        const earlier = setInLayer.get(definition.key);
        if (earlier) {
          warnings.push(
            `${where(config, entry.line)}: \`${definition.key}\` is set by both [${earlier.header}]${earlier.line ? ` (line ${earlier.line})` : ""} and [${section.header}], equally specific; using [${earlier.header}]'s (the earlier one)`,
          );
          continue;
        }
        setInLayer.set(definition.key, section);
        settings[definition.key] = selected(config, section, entry.value, entry.line);
      }
    }
  }
  const credentials = chooseCredentials(config, layers, credentialEntries, warnings);
  if (credentials) {
    for (const { entry, definition } of credentialEntries.get(credentials.chosen) ?? []) {
      settings[definition.key] = selected(config, credentials.chosen, entry.value, entry.line);
    }
  }
  const applied = layers.flat().map((section) => section.header);
  return { settings, applied, warnings, ...(credentials ? { credentials: credentials.choice } : {}) };
}

interface CredentialEntry {
  entry: ConfigEntry;
  definition: SettingDefinition;
}

function selected(
  config: KeyringConfig,
  section: ConfigSection,
  value: string,
  line: number | undefined,
): SelectedSetting {
  return {
    value,
    section: section.header,
    ...(config.file ? { file: config.file } : {}),
    ...(line ? { line } : {}),
  };
}

/**
 * The section supplying the credential group: the first (in file order) of the most specific layer
 * that sets any credential key. Every other applying section's credential keys are set aside; an
 * equally specific one also warns, as for any other key set twice at one level.
 */
function chooseCredentials(
  config: KeyringConfig,
  layers: ConfigSection[][],
  entries: Map<ConfigSection, CredentialEntry[]>,
  warnings: string[],
): { chosen: ConfigSection; choice: CredentialChoice } | undefined {
  let chosen: ConfigSection | undefined;
  const setAside: CredentialChoice["setAside"] = [];
  for (const layer of [...layers].reverse()) {
    for (const section of layer) {
      const own = entries.get(section);
      if (!own) continue;
      if (!chosen) {
        chosen = section;
        continue;
      }
      const keys = own.map(({ definition }) => definition.key);
      setAside.push({ section: section.header, keys, ...(section.line ? { line: section.line } : {}) });
      if (layer.includes(chosen)) {
        warnings.push(
          `${where(config, section.line)}: [${chosen.header}]${chosen.line ? ` (line ${chosen.line})` : ""} and [${section.header}] both set credentials (${keys.join(", ")}), equally specific; using [${chosen.header}]'s (the earlier one)`,
        );
      }
    }
  }
  if (!chosen) return undefined;
  return {
    chosen,
    choice: {
      section: chosen.header,
      ...(config.file ? { file: config.file } : {}),
      ...(chosen.line ? { line: chosen.line } : {}),
      setAside,
    },
  };
}

/**
 * The section that maps a registry URL that is not CodeArtifact-shaped (a proxy or mirror) to its
 * coordinates, through `registry_url`.
 */
export function sectionForRegistryUrl(config: KeyringConfig, registryUrl: string): ConfigSection | undefined {
  return config.sections.find((section) => section.registryUrl === registryUrl);
}
