// Yarn berry reads registry credentials from `npmRegistries["//host/path/"].npmAuthToken` in its rc
// files (keys compared without the trailing slash, with or without the scheme). Unscoped packages get the
// token only with `npmAlwaysAuth: true` (seen with yarn 4). Edits go through yaml's Document API so
// comments and other keys stay, and through the same locked, atomic, git-aware writer as the .npmrc.

import { reveal, type Secret } from "../configstore/secret.js";
import { RcFileError, UnsafeValueError } from "./errors.js";
import { registryNerfDart } from "./nerf-dart.js";
import { userYarnrcPath } from "./npmrc-locations.js";
import { type EditOutcome, editPrivateTextFile, type FileEditOptions } from "./private-file.js";

type Yaml = typeof import("yaml");
type YamlMap = import("yaml").YAMLMap;
type YamlDocument = import("yaml").Document.Parsed;

/** A registry (any spelling: URL, nerf dart) and its token; a `RegistryTarget` spread in works. */
export interface YarnTokenEntry {
  registryUrl: string;
  token: Secret | string;
}

/** One change to the rc file; tokens are never included. */
export interface YarnrcChange {
  action: "add" | "replace" | "remove";
  /** e.g. `npmRegistries["//host/npm/repo/"].npmAuthToken` */
  key: string;
}

/** Options of {@link setYarnAuthTokens} and {@link removeYarnAuthTokens}. */
export interface YarnrcOptions extends FileEditOptions {
  /** @default os.homedir() (for the default file) */
  home?: string;
}

/** What a yarnrc edit did (or, with `dryRun`, would do); tokens are never included. */
export type YarnrcResult = EditOutcome<YarnrcChange[]>;

/** The key's registry, compared as yarn does: scheme and trailing slash ignored (host case too). */
function sameRegistry(key: string, nerf: string): boolean {
  try {
    return registryNerfDart(key.startsWith("//") ? `https:${key}` : key) === nerf;
  } catch {
    return false;
  }
}

/**
 * A parsed yarn rc file and the line of any node in it.
 * @internal Its types are yaml's, which is bundled, not a dependency: kept out of the published types.
 */
export interface ParsedYarnrc {
  doc: YamlDocument;
  /** 1-based line where `node` starts, when it has a position. */
  lineOf(node: unknown): number | undefined;
}

/**
 * Parses a yarn rc file (or pnpm's YAML settings, with `code` `CONFIG_INVALID`) with yaml's Document
 * API (comments kept).
 *
 * @throws {RcFileError} `code` naming file:line for malformed YAML or a top level that is
 *   not a mapping.
 * @internal As {@link ParsedYarnrc}.
 */
export function parseYarnrc(
  yaml: Yaml,
  text: string,
  file: string,
  code: "YARNRC_INVALID" | "CONFIG_INVALID" = "YARNRC_INVALID",
): ParsedYarnrc {
  const lineCounter = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter, prettyErrors: false });
  const lineOf = (node: unknown): number | undefined => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? lineCounter.linePos(range[0]).line : undefined;
  };
  const error = doc.errors[0];
  if (error) {
    throw new RcFileError(
      code,
      file,
      lineCounter.linePos(error.pos[0]).line,
      `is not valid YAML (${error.code}): fix that line; nothing was written`,
      { cause: error },
    );
  }
  if (doc.contents !== null && !yaml.isMap(doc.contents)) {
    throw new RcFileError(
      code,
      file,
      lineOf(doc.contents),
      "does not hold a mapping of settings at the top: fix the file; nothing was written",
    );
  }
  return { doc, lineOf };
}

function parse(yaml: Yaml, text: string, file: string): YamlDocument {
  const { doc, lineOf } = parseYarnrc(yaml, text, file);
  const registries = doc.get("npmRegistries", true);
  if (registries !== undefined && registries !== null && !yaml.isMap(registries)) {
    throw new RcFileError(
      "YARNRC_INVALID",
      file,
      lineOf(registries),
      "`npmRegistries` is not a mapping, so the file was not changed: make it `npmRegistries: {}` or remove it",
    );
  }
  return doc;
}

function render(doc: YamlDocument, original: string): string {
  if (doc.contents === null || (doc.contents as YamlMap).items.length === 0) {
    if (doc.commentBefore || doc.comment) return doc.toString({ lineWidth: 0 });
    return "";
  }
  const text = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  return original.includes("\r\n") ? text.replace(/\r?\n/g, "\r\n") : text;
}

function holdsSecret(text: string): boolean {
  return /^\s*["']?npmAuth(?:Token|Ident)["']?\s*:\s*\S/m.test(text);
}

function checkToken(token: string, nerf: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (token === "" || /[\s\u0000-\u001f\u007f]/.test(token)) {
    throw new UnsafeValueError(
      "NPMRC_UNSAFE_VALUE",
      `the token for \`${nerf}\` is empty or holds whitespace or control characters; it was not saved: check where the token came from`,
    );
  }
}

/**
 * Writes `npmRegistries["//host/path/"].npmAuthToken` and `npmAlwaysAuth: true` for each entry into
 * yarn berry's user rc file (`~/.yarnrc.yml`, or `~/$YARN_RC_FILENAME` as yarn reads it) or `file`. An
 * existing entry for the same registry (e.g. `https://host/path` written by `yarn npm login`) is updated
 * instead of adding a second one yarn might prefer. Comments and other keys stay; nothing is written when
 * nothing changes; 0600, atomic, locked; refuses files git would commit unless `force`.
 *
 * @throws {RcFileError} `YARNRC_INVALID` (naming file:line; nothing written), `FILE_READ_ONLY`, ...
 * @throws {GitTrackedTargetError} as `applyNpmrcEdits`.
 */
export async function setYarnAuthTokens(
  file: string | undefined,
  entries: readonly YarnTokenEntry[],
  options: YarnrcOptions = {},
): Promise<YarnrcResult> {
  const wanted = entries.map((entry) => {
    const nerf = registryNerfDart(entry.registryUrl);
    const token = reveal(entry.token);
    checkToken(token, nerf);
    return { nerf, token };
  });
  const yaml = await import("yaml");
  return edit(yaml, file, options, true, (doc, realFile) => {
    const changes: YarnrcChange[] = [];
    for (const { nerf, token } of wanted) {
      let registries = doc.get("npmRegistries", true) as YamlMap | null | undefined;
      if (!registries) {
        registries = doc.createNode({}) as YamlMap;
        doc.set("npmRegistries", registries);
      }
      const keys = registries.items
        .map((pair) => (yaml.isScalar(pair.key) ? String(pair.key.value) : undefined))
        .filter((key): key is string => key !== undefined && sameRegistry(key, nerf));
      if (keys.length === 0) {
        const key = doc.createNode(nerf) as import("yaml").Scalar;
        key.type = "QUOTE_DOUBLE";
        registries.set(key, doc.createNode({ npmAuthToken: token, npmAlwaysAuth: true }));
        changes.push({ action: "add", key: `npmRegistries["${nerf}"].npmAuthToken` });
        continue;
      }
      for (const key of keys) {
        let entry = registries.get(key, true) as YamlMap | null | undefined;
        if (entry !== null && entry !== undefined && !yaml.isMap(entry)) {
          throw new RcFileError(
            "YARNRC_INVALID",
            realFile,
            undefined,
            `\`npmRegistries["${key}"]\` is not a mapping, so the file was not changed: fix or remove that entry`,
          );
        }
        if (!entry) {
          entry = doc.createNode({}) as YamlMap;
          registries.set(key, entry);
        }
        if (entry.get("npmAuthToken") !== token) {
          changes.push({
            action: entry.has("npmAuthToken") ? "replace" : "add",
            key: `npmRegistries["${key}"].npmAuthToken`,
          });
          entry.set("npmAuthToken", token);
        }
        if (entry.get("npmAlwaysAuth") !== true) {
          changes.push({
            action: entry.has("npmAlwaysAuth") ? "replace" : "add",
            key: `npmRegistries["${key}"].npmAlwaysAuth`,
          });
          entry.set("npmAlwaysAuth", true);
        }
      }
    }
    return changes;
  });
}

/**
 * Removes the `npmAuthToken` of each registry from yarn berry's user rc file (or `file`); an entry left
 * with nothing but `npmAlwaysAuth` goes too, and an empty `npmRegistries` with it.
 */
export async function removeYarnAuthTokens(
  file: string | undefined,
  registryUrls: readonly string[],
  options: YarnrcOptions = {},
): Promise<YarnrcResult> {
  const nerfs = registryUrls.map((url) => registryNerfDart(url));
  const yaml = await import("yaml");
  return edit(yaml, file, options, false, (doc) => {
    const changes: YarnrcChange[] = [];
    const registries = doc.get("npmRegistries", true) as YamlMap | null | undefined;
    if (!registries) return changes;
    for (const pair of [...registries.items]) {
      if (!yaml.isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      if (!nerfs.some((nerf) => sameRegistry(key, nerf)) || !yaml.isMap(pair.value)) continue;
      const entry = pair.value;
      if (!entry.has("npmAuthToken")) continue;
      entry.delete("npmAuthToken");
      changes.push({ action: "remove", key: `npmRegistries["${key}"].npmAuthToken` });
      const rest = entry.items.filter(
        (item) => !(yaml.isScalar(item.key) && item.key.value === "npmAlwaysAuth"),
      );
      if (rest.length === 0) {
        registries.delete(key);
        changes.push({ action: "remove", key: `npmRegistries["${key}"]` });
      }
    }
    if (registries.items.length === 0) doc.delete("npmRegistries");
    return changes;
  });
}

async function edit(
  yaml: Yaml,
  file: string | undefined,
  options: YarnrcOptions,
  writesSecret: boolean,
  change: (doc: YamlDocument, realFile: string) => YarnrcChange[],
): Promise<YarnrcResult> {
  const target =
    file ??
    userYarnrcPath({
      ...(options.env ? { env: options.env } : {}),
      ...(options.home ? { home: options.home } : {}),
    });
  return editPrivateTextFile<YarnrcChange[]>(target, {
    ...options,
    format: "yarnrc",
    writesSecret,
    transform: (text, realFile) => {
      const doc = parse(yaml, text, realFile);
      const changes = change(doc, realFile);
      const next = changes.length === 0 ? text : render(doc, text);
      return { text: next, holdsSecret: holdsSecret(next), changes };
    },
  });
}
