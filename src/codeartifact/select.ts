// Which sections apply to a registry, and which section each setting comes from.
import type { ConfigSection, KeyringConfig, Qualifier } from "./config.js";
import { QUALIFIERS } from "./config.js";
import { settingDefinition, suggestSetting } from "./settings.js";

export type SelectionRequest = Partial<Record<Qualifier, string>>;

export interface SelectedSetting {
  /** Raw value as written (quotes removed, `${…}` not yet resolved). */
  value: string;
  /** Header of the section it came from. */
  section: string;
  file?: string;
  line?: number;
}

export interface Selection {
  /** By canonical key (`profile` is reported as `profile_name`). */
  settings: Record<string, SelectedSetting>;
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

/**
 * Chooses the settings for a registry. The rules, in order:
 * 1. `[codeartifact]` holds defaults for every registry.
 * 2. A qualified section applies only if every qualifier it states equals the request.
 * 3. Applying sections override the defaults and each other from least to most specific, so each key
 *    comes from the most specific section that sets it.
 * 4. Between applying sections of equal specificity that set the same key, the one earlier in the
 *    file wins (as a reader would expect), and a warning names both.
 * 5. Unknown keys warn, with the closest known key, so a typo does not silently do nothing.
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

  for (const layer of layers) {
    const setInLayer = new Map<string, ConfigSection>();
    for (const section of layer) {
      for (const entry of section.entries) {
        const definition = settingDefinition(entry.key);
        if (!definition) {
          const hint = suggestSetting(entry.key);
          warnings.push(
            `${where(config, entry.line)}: unknown setting \`${entry.key}\` in [${section.header}]${hint ? `; did you mean \`${hint}\`?` : " (ignored)"}`,
          );
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
        settings[definition.key] = {
          value: entry.value,
          section: section.header,
          ...(config.file ? { file: config.file } : {}),
          ...(entry.line ? { line: entry.line } : {}),
        };
      }
    }
  }
  const applied = layers.flat().map((section) => section.header);
  return { settings, applied, warnings };
}

/**
 * The section that maps a registry URL that is not CodeArtifact-shaped (a proxy or mirror) to its
 * coordinates, through `registry_url`.
 */
export function sectionForRegistryUrl(config: KeyringConfig, registryUrl: string): ConfigSection | undefined {
  return config.sections.find((section) => section.registryUrl === registryUrl);
}
