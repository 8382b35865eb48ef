// The .npmrc editor. `planNpmrcEdits` is pure: it touches only the lines it owns (a registry's
// `_authToken` / `tokenHelper`, and the `registry` lines it is asked to write) and leaves every other
// byte alone, so comments, CRLF, a missing final newline and other registries' lines survive, unlike a
// rewrite through `npm config set` or the `ini` package. `applyNpmrcEdits` runs a plan against a file
// under a lock, atomically, refusing files git would commit.
import { normalizeRegistryUrl } from "../codeartifact/registry-url.js";
import { reveal, type Secret } from "../configstore/secret.js";
import { PackageManagerError, UnsafeValueError } from "./errors.js";
import {
  classifyIniLine,
  firstEol,
  iniValueProblem,
  joinLines,
  splitLines,
  type TextLine,
} from "./ini-text.js";
import { registryNerfDart } from "./nerf-dart.js";
import { type EditOutcome, editPrivateTextFile, type FileEditOptions } from "./private-file.js";

/** One change to an .npmrc. Registry URLs may be full URLs, nerf darts (`//host/path/`) or bare hosts. */
export type NpmrcEdit =
  /**
   * Sets `//host/path/:_authToken` and removes that nerf dart's `username`, `_password`, `email` and
   * `always-auth`, as npm's `setCredentialsByURI` does (it keeps `_auth`: npm reads `_authToken` first).
   */
  | { kind: "set-token"; registryUrl: string; token: Secret | string }
  /** Removes every literal `//host/path/:_authToken` line (a `${VAR}` reference is left alone). */
  | { kind: "remove-token"; registryUrl: string }
  /** Sets `registry=URL`, or `@scope:registry=URL` when `scope` is given (with or without `@`). */
  | { kind: "set-registry"; registryUrl: string; scope?: string }
  /** Sets `//host/path/:tokenHelper=PATH` (pnpm runs PATH for the token). */
  | { kind: "set-token-helper"; registryUrl: string; helperPath: string }
  /** Removes `//host/path/:tokenHelper` lines. */
  | { kind: "remove-token-helper"; registryUrl: string }
  /** Removes `registry=URL` (or `@scope:registry=URL`) lines naming this registry, and no other. */
  | { kind: "remove-registry"; registryUrl: string; scope?: string }
  /** Sets `//host/path/:always-auth=true`: yarn 1 sends the token for unscoped packages only then. */
  | { kind: "set-always-auth"; registryUrl: string }
  /** Removes `//host/path/:always-auth` lines. */
  | { kind: "remove-always-auth"; registryUrl: string };

/** One line the plan adds, replaces or removes, with secret values shown as `[redacted]`. */
export interface NpmrcChange {
  action: "add" | "replace" | "remove";
  /** The setting's key, e.g. `//host/npm/repo/:_authToken`. */
  key: string;
  /** 1-based line number in the file as it is when this change is made (changes apply in order). */
  line: number;
  /** The line's new text (add, replace) or old text (remove), secrets redacted. */
  text: string;
}

/** What {@link planNpmrcEdits} would do. */
export interface NpmrcPlan {
  /** The whole new file text. */
  text: string;
  /** Whether `text` differs from the input. */
  changed: boolean;
  changes: NpmrcChange[];
  /** Edits left undone on purpose (e.g. a token read from `${VAR}`), one line each. */
  notices: string[];
}

/** Options of {@link planNpmrcEdits}. */
export interface PlanOptions {
  /** Line break for new lines when the text has none yet. @default "\n" */
  eol?: "\n" | "\r\n";
  /** Names the file in notices. */
  file?: string;
}

const SECRET_SUFFIXES = [":_authToken", ":_auth", ":_password"];
const SECRET_KEYS = new Set(["_authToken", "_auth", "_password"]);

function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key) || SECRET_SUFFIXES.some((suffix) => key.endsWith(suffix));
}

function redactLine(key: string, text: string): string {
  if (!isSecretKey(key)) return text;
  const equals = text.indexOf("=");
  return equals === -1 ? text : `${text.slice(0, equals + 1)}[redacted]`;
}

/** Scope names as npm accepts them: `@` then URL-safe lowercase characters. */
function scopeKey(scope: string): string {
  const name = scope.startsWith("@") ? scope.slice(1) : scope;
  if (!/^[a-z0-9][a-z0-9._~-]*$/.test(name)) {
    throw new PackageManagerError(
      "NPMRC_UNSAFE_VALUE",
      `scope \`${scope}\` is not a valid npm scope: use lowercase letters, digits, \`-\`, \`.\`, \`_\` or \`~\`, e.g. \`@my-org\``,
    );
  }
  return `@${name}:registry`;
}

const UNSAFE_HELPER_CHARS = /[\s$%\\`"']/;

/**
 * Why pnpm or npm would not run `path` as a tokenHelper exactly as given (undefined when fine): it must
 * be absolute, and pnpm 11+ split on whitespace and reject `$ % \ \` " '`.
 */
export function helperPathProblem(path: string): string | undefined {
  if (!(path.startsWith("/") || /^[A-Za-z]:\//.test(path))) return "is not an absolute path";
  const bad = UNSAFE_HELPER_CHARS.exec(path);
  if (bad) {
    const shown = /\s/.test(bad[0]) ? "whitespace" : `\`${bad[0]}\``;
    return `contains ${shown}, which pnpm 11 and later reject in a tokenHelper`;
  }
  const ini = iniValueProblem(path);
  return ini === undefined ? undefined : `${ini} (as an .npmrc value)`;
}

function sameRegistry(existing: string, url: string): boolean {
  try {
    return normalizeRegistryUrl(existing) === url;
  } catch {
    return false;
  }
}

interface Owned {
  key: string;
  value?: string;
  /** Other keys removed when the value is set (npm drops them when it saves a token). */
  conflicts?: string[];
  /** The value is a secret: never shown, and a `${VAR}` line for it is left alone. */
  secret?: boolean;
  /** Compares an existing value with the wanted one (default: string equality). */
  same?: (existing: string) => boolean;
  /** For a removal: only lines whose value passes (default: every line of the key). */
  only?: (existing: string | true) => boolean;
}

function describeEdit(edit: NpmrcEdit): Owned {
  switch (edit.kind) {
    case "set-token": {
      const nerf = registryNerfDart(edit.registryUrl);
      const token = reveal(edit.token);
      const problem = /\s/.test(token) ? "contains whitespace" : iniValueProblem(token);
      if (problem) {
        throw new UnsafeValueError(
          "NPMRC_UNSAFE_VALUE",
          `the token for \`${nerf}\` ${problem}, so npm would not read it back as written; it was not saved: check where the token came from`,
        );
      }
      return {
        key: `${nerf}:_authToken`,
        value: token,
        // npm 11's setCredentialsByURI({ token }) deletes exactly these four and keeps `_auth`, `certfile`
        // and `keyfile`; matching it means a login here leaves the file as `npm login` would.
        conflicts: [`${nerf}:_password`, `${nerf}:username`, `${nerf}:email`, `${nerf}:always-auth`],
        secret: true,
      };
    }
    case "remove-token":
      return { key: `${registryNerfDart(edit.registryUrl)}:_authToken`, secret: true };
    case "set-registry": {
      const url = normalizeRegistryUrl(edit.registryUrl);
      const problem = iniValueProblem(url);
      if (problem) {
        throw new UnsafeValueError(
          "NPMRC_UNSAFE_VALUE",
          `registry URL \`${url}\` ${problem}, so npm would not read it back as written: use the plain https URL`,
        );
      }
      const same = (existing: string) => sameRegistry(existing, url);
      return { key: edit.scope === undefined ? "registry" : scopeKey(edit.scope), value: url, same };
    }
    case "set-token-helper": {
      const nerf = registryNerfDart(edit.registryUrl);
      const problem = helperPathProblem(edit.helperPath);
      if (problem) {
        throw new UnsafeValueError(
          "UNSAFE_HELPER_PATH",
          `tokenHelper path \`${edit.helperPath}\` for \`${nerf}\` ${problem}: choose a helper directory whose path has none of these characters`,
        );
      }
      return { key: `${nerf}:tokenHelper`, value: edit.helperPath };
    }
    case "remove-token-helper":
      return { key: `${registryNerfDart(edit.registryUrl)}:tokenHelper` };
    case "remove-registry": {
      const url = normalizeRegistryUrl(edit.registryUrl);
      return {
        key: edit.scope === undefined ? "registry" : scopeKey(edit.scope),
        only: (existing) => typeof existing === "string" && sameRegistry(existing, url),
      };
    }
    case "set-always-auth":
      return { key: `${registryNerfDart(edit.registryUrl)}:always-auth`, value: "true" };
    case "remove-always-auth":
      return { key: `${registryNerfDart(edit.registryUrl)}:always-auth` };
  }
}

interface Located {
  index: number;
  value: string | true;
  rawValue: string | undefined;
  keyPart: string;
}

/** Top-level lines (before any `[section]`) whose key is one of `keys`, and where the top level ends. */
function locate(lines: readonly TextLine[], keys: ReadonlySet<string>) {
  const found = new Map<string, Located[]>();
  let topLevelEnd = lines.length;
  for (const [index, line] of lines.entries()) {
    const parsed = classifyIniLine(line.text);
    if (parsed.kind === "section") {
      topLevelEnd = index;
      break;
    }
    if (parsed.kind === "entry" && keys.has(parsed.key)) {
      const list = found.get(parsed.key) ?? [];
      list.push({ index, value: parsed.value, rawValue: parsed.rawValue, keyPart: parsed.keyPart });
      found.set(parsed.key, list);
    }
  }
  return { found, topLevelEnd };
}

function removeLine(lines: TextLine[], index: number): void {
  const [removed] = lines.splice(index, 1);
  // The last line had no line break: the line before it becomes last, so it loses its break too.
  // This makes "add to a file without a final newline, then remove" give back the same bytes.
  const previous = lines[index - 1];
  if (removed && removed.eol === "" && index === lines.length && previous) previous.eol = "";
}

/**
 * Works out the new text of an .npmrc after `edits`, touching only the lines they own.
 *
 * - A key's first top-level line is updated in place (its spelling before `=` kept); duplicates are
 *   removed; a missing key is added at the end of the top level (before any `[section]`), with the
 *   file's own line breaks. In a file without a final newline the new line goes after a break and stays
 *   without one, so removing it again gives back the original bytes.
 * - Setting a token removes the nerf dart's `username`, `_password`, `email` and `always-auth` lines and
 *   keeps its `_auth`, as npm's `setCredentialsByURI` does.
 * - A token line whose value is a `${VAR}` reference is left alone (with a notice): the user chose to
 *   read that token from the environment.
 * - A value npm's parser would read back differently (whitespace, `;`, `#`, quotes, line breaks) is
 *   refused with an error instead of being written wrong.
 *
 * @throws {UnsafeValueError} `NPMRC_UNSAFE_VALUE` or `UNSAFE_HELPER_PATH`; the message never holds a token.
 * @example
 * planNpmrcEdits("# mine\nregistry=https://r.example/\n", [{ kind: "set-token", registryUrl, token }])
 * // → { text: "# mine\nregistry=https://r.example/\n//host/npm/repo/:_authToken=…\n", changed: true, changes: […] }
 */
export function planNpmrcEdits(
  text: string,
  edits: readonly NpmrcEdit[],
  options: PlanOptions = {},
): NpmrcPlan {
  const lines = splitLines(text);
  const eol = firstEol(text) ?? options.eol ?? "\n";
  const changes: NpmrcChange[] = [];
  const notices: string[] = [];
  const where = options.file ? `\`${options.file}\`` : "the .npmrc";

  const described = edits.map(describeEdit);
  // A key another edit of the same plan sets is no conflict (yarn 1's always-auth next to its token).
  const setKeys = new Set(described.filter((o) => o.value !== undefined).map((o) => o.key));
  for (const edit of described) {
    const owned = { ...edit, conflicts: edit.conflicts?.filter((key) => !setKeys.has(key)) };
    const { found, topLevelEnd } = locate(lines, new Set([owned.key, ...(owned.conflicts ?? [])]));
    const matches = (found.get(owned.key) ?? []).filter((match) => !owned.only || owned.only(match.value));
    if (owned.secret && matches.some((match) => match.rawValue?.includes("${"))) {
      const line = (matches.find((match) => match.rawValue?.includes("${"))?.index ?? 0) + 1;
      const hint =
        owned.value === undefined
          ? "it holds no token itself"
          : "set that variable, or delete the line so the token can be written";
      notices.push(
        `${where}:${line}: \`${owned.key}\` reads its token from an environment variable, so it was left as it is (${hint})`,
      );
      continue;
    }
    const removals = owned.value === undefined ? [...matches] : matches.slice(1);
    if (owned.value !== undefined) {
      for (const conflict of owned.conflicts ?? []) removals.push(...(found.get(conflict) ?? []));
    }
    const first = matches[0];
    const wanted = owned.value;
    if (wanted !== undefined && first) {
      const current = first.value;
      const same = typeof current === "string" && (owned.same ? owned.same(current) : current === wanted);
      if (!same) {
        const line = lines[first.index] as TextLine;
        const keyPart = first.rawValue === undefined ? line.text.trimEnd() : first.keyPart;
        const spacing = first.rawValue === undefined ? "" : (/^[ \t]*/.exec(first.rawValue)?.[0] ?? "");
        line.text = `${keyPart}=${spacing}${wanted}`;
        changes.push({
          action: "replace",
          key: owned.key,
          line: first.index + 1,
          text: redactLine(owned.key, line.text),
        });
      }
    }
    // Remove from the bottom up so the indexes still to remove stay valid.
    for (const removal of removals.sort((a, b) => b.index - a.index)) {
      const line = lines[removal.index] as TextLine;
      const key = classifyIniLine(line.text);
      const removedKey = key.kind === "entry" ? key.key : owned.key;
      changes.push({
        action: "remove",
        key: removedKey,
        line: removal.index + 1,
        text: redactLine(removedKey, line.text),
      });
      removeLine(lines, removal.index);
    }
    if (wanted !== undefined && !first) {
      const added: TextLine = { text: `${owned.key}=${wanted}`, eol };
      const end = topLevelEnd - removals.filter((removal) => removal.index < topLevelEnd).length;
      let at = end;
      if (end < lines.length) {
        lines.splice(end, 0, added);
      } else {
        const last = lines[lines.length - 1];
        if (last && last.eol === "") {
          last.eol = eol;
          added.eol = "";
        }
        lines.push(added);
        at = lines.length - 1;
      }
      changes.push({ action: "add", key: owned.key, line: at + 1, text: redactLine(owned.key, added.text) });
    }
  }
  const next = joinLines(lines);
  return { text: next, changed: next !== text, changes, notices };
}

/** Whether an .npmrc text holds a credential or a token helper (so the file must be 0600). */
export function npmrcHoldsSecret(text: string): boolean {
  return splitLines(text).some((line) => {
    const parsed = classifyIniLine(line.text);
    return parsed.kind === "entry" && (isSecretKey(parsed.key) || parsed.key.endsWith(":tokenHelper"));
  });
}

/** Options of {@link applyNpmrcEdits}. */
export interface ApplyOptions extends FileEditOptions {}

/** What {@link applyNpmrcEdits} did (or, with `dryRun`, would do). */
export type ApplyResult = EditOutcome<NpmrcChange[]>;

/**
 * Applies `edits` to the .npmrc at `file` (missing = empty). Follows a symlink to its target, locks the
 * target, re-reads it under the lock, and writes atomically only when something changes; a result that
 * holds a token or token helper is 0600 (a looser existing mode is tightened, with a notice). A token
 * (or token helper) is never written to a file git tracks, or to an untracked one git does not ignore,
 * unless `force`.
 *
 * @throws {GitTrackedTargetError} `GIT_TRACKED_TARGET` / `GIT_UNIGNORED_TARGET`.
 * @throws {RcFileError} `NPMRC_INVALID` (not UTF-8, NUL bytes), `FILE_READ_ONLY`, `FILE_LOCKED`, `FILE_IO`.
 * @throws {UnsafeValueError} as {@link planNpmrcEdits}.
 */
export async function applyNpmrcEdits(
  file: string,
  edits: readonly NpmrcEdit[],
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  // Validate every edit before any file work, so a bad token fails without touching anything.
  planNpmrcEdits("", edits);
  return editPrivateTextFile<NpmrcChange[]>(file, {
    ...options,
    // Nothing to do: read only, no lock file, no directory created.
    ...(edits.length === 0 ? { dryRun: true } : {}),
    format: "npmrc",
    // A token helper line is no secret, but it is machine-specific credential setup: keep it out of git too.
    writesSecret: edits.some((edit) => edit.kind === "set-token" || edit.kind === "set-token-helper"),
    transform: (text, realFile) => {
      const plan = planNpmrcEdits(text, edits, {
        file: realFile,
        eol: process.platform === "win32" ? "\r\n" : "\n",
      });
      for (const notice of plan.notices) options.onNotice?.(notice);
      return { text: plan.text, holdsSecret: npmrcHoldsSecret(plan.text), changes: plan.changes };
    },
  });
}
