// pnpm asks a program for the token at install time (`//host/path/:tokenHelper=/abs/path` in the USER
// config only), so no token sits on disk. pnpm 9/10 run the path with no arguments and use its trimmed
// stdout as the whole Authorization header, so each registry gets its own tiny script that runs our
// Node entry with the registry URL; that entry prints `Bearer <token>` from the cache.
import { createHash } from "node:crypto";
import { readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import type { RegistryTarget } from "../codeartifact/registry-url.js";
import { ensurePrivateDir, writeFailureReason, writePrivateFile } from "../configstore/files.js";
import { userDirs } from "../configstore/paths.js";
import { readFileBounded } from "../configstore/text-file.js";
import { RcFileError, TokenHelperConflictError, UnsafeValueError } from "./errors.js";
import { parseNpmrc } from "./ini-text.js";
import { registryNerfDart } from "./nerf-dart.js";
import { type ApplyResult, applyNpmrcEdits, helperPathProblem, type NpmrcEdit } from "./npmrc.js";
import { type LocationOptions, pnpmConfigDir, userNpmrcPath } from "./npmrc-locations.js";
import { readConfigText, resolveRealPath } from "./private-file.js";

/** The Node program a helper runs: `node <script> <registryUrl>` must print `Bearer <token>`. */
export interface HelperProgram {
  /** Absolute path of the node executable (e.g. `process.execPath`). */
  node: string;
  /** Absolute path of the script. */
  script: string;
}

/** Options of {@link installPnpmTokenHelpers} and {@link removePnpmTokenHelpers}. */
export interface PnpmHelperOptions extends LocationOptions {
  /** The user .npmrc to edit. @default the user .npmrc (see `userNpmrcPath`) */
  npmrcPath?: string;
  /** Where the helper scripts go. @default `<data dir>/codeartifact-keyring/pnpm-helpers` */
  helperDir?: string;
  /**
   * Install over a tokenHelper line that points at another program, and write into an .npmrc that git
   * tracks (or would commit). @default false
   */
  force?: boolean;
  /** Work out the changes without writing. @default false */
  dryRun?: boolean;
  /** Receives one-line notices from the .npmrc edit. */
  onNotice?: (message: string) => void;
  /** @default process.platform */
  platform?: NodeJS.Platform;
  /**
   * The helpers pass each target's coordinates to the program, not only its URL: for a URL that is
   * not CodeArtifact-shaped and that no config section maps (`--domain …` on the command line).
   * @default false
   */
  pinCoordinates?: boolean;
}

/** One registry's helper. */
export interface InstalledHelper {
  registryUrl: string;
  /** The coordinates the helper passes with the URL (`pinCoordinates`). */
  coordinates?: HelperCoordinates;
  /** The executable pnpm runs (the `tokenHelper` value). */
  helperPath: string;
}

/** What {@link installPnpmTokenHelpers} did (or, with `dryRun`, would do). */
export interface HelperInstallResult {
  helpers: InstalledHelper[];
  npmrc: ApplyResult;
  /** One line each: things the user should know (an ephemeral program, npm's warning, a leftover token). */
  warnings: string[];
}

/** What {@link removePnpmTokenHelpers} did. */
export interface HelperRemovalResult {
  removed: InstalledHelper[];
  npmrc: ApplyResult;
  warnings: string[];
}

/** The directory that holds the helpers: `<user data dir of codeartifact-keyring>/pnpm-helpers`. */
export function pnpmHelperDir(options: LocationOptions & { platform?: NodeJS.Platform } = {}): string {
  return join(
    userDirs("codeartifact-keyring", {
      ...(options.env ? { env: options.env as NodeJS.ProcessEnv } : {}),
      ...(options.platform ? { platform: options.platform } : {}),
      ...(options.home ? { home: options.home } : {}),
    }).data,
    "pnpm-helpers",
  );
}

const HELPER_PREFIX = "token-";

/** The helper's file name: a short hash of the canonical registry URL. */
function helperName(registryUrl: string, platform: NodeJS.Platform): string {
  const hash = createHash("sha256").update(registryUrl).digest("hex").slice(0, 16);
  return `${HELPER_PREFIX}${hash}${platform === "win32" ? ".cmd" : ""}`;
}

/** pnpm wants `/` even on Windows (it rejects `\`); Windows accepts `/` in paths. */
function portable(path: string, platform: NodeJS.Platform): string {
  return platform === "win32" ? path.replace(/\\/g, "/") : path;
}

function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

const REINSTALL =
  "reinstall it durably with `npm i -g codeartifact-keyring`, then rerun `codeartifact-login setup pnpm`";

/**
 * What a helper passes its program after the registry URL: the registry's coordinates (domain,
 * account, region, repository) for a URL that neither its shape nor the config maps, else nothing.
 */
export type HelperCoordinates = readonly [
  domain: string,
  domainOwner: string,
  region: string,
  repository: string,
];

function coordinatesOf(target: RegistryTarget): HelperCoordinates {
  return [target.domain, target.domainOwner, target.region, target.repository];
}

/** The POSIX sh helper: checks its program still exists, then execs node with it and the registry URL. */
export function helperShellScript(
  program: HelperProgram,
  registryUrl: string,
  coordinates: HelperCoordinates | readonly [] = [],
): string {
  const gone = `codeartifact-keyring: no token for ${registryUrl}: the program the pnpm token helper runs is gone: `;
  const noNode = `codeartifact-keyring: no token for ${registryUrl}: Node.js is neither at ${program.node} nor on PATH; install Node.js, then rerun \`codeartifact-login setup pnpm\``;
  return [
    "#!/bin/sh",
    `# pnpm token helper for ${registryUrl}, written by codeartifact-keyring.`,
    "# pnpm runs it with no arguments; it prints `Bearer <token>` and nothing else on stdout.",
    "# `codeartifact-login setup pnpm --remove` deletes it.",
    `script=${shQuote(program.script)}`,
    `node=${shQuote(program.node)}`,
    'if [ ! -f "$script" ]; then',
    `  printf '%s%s; %s\\n' ${shQuote(gone)} "$script" ${shQuote(REINSTALL)} >&2`,
    "  exit 1",
    "fi",
    // A Node version manager may have removed the node that ran setup; any node on PATH will do.
    'if [ ! -x "$node" ]; then',
    `  node=$(command -v node) || { printf '%s\\n' ${shQuote(noNode)} >&2; exit 1; }`,
    "fi",
    `exec "$node" "$script" ${[registryUrl, ...coordinates].map(shQuote).join(" ")}`,
    "",
  ].join("\n");
}

/** The Windows helper (`.cmd`); paths with `% " & < > | ^` are refused before this is written. */
export function helperCmdScript(
  program: HelperProgram,
  registryUrl: string,
  coordinates: HelperCoordinates | readonly [] = [],
): string {
  return [
    "@echo off",
    `rem pnpm token helper for ${registryUrl}, written by codeartifact-keyring.`,
    // goto rather than a ( ) block: a `)` in a path (Program Files (x86)) would end the block.
    `if exist "${program.script}" goto run`,
    `echo codeartifact-keyring: no token for ${registryUrl}: "${program.script}" is gone; ${REINSTALL.replace(/`/g, "")} 1>&2`,
    "exit /b 1",
    ":run",
    `"${program.node}" "${program.script}" ${[registryUrl, ...coordinates].map((arg) => `"${arg}"`).join(" ")}`,
    "",
  ].join("\r\n");
}

/** Why `script` may vanish (npx, pnpm dlx, yarn dlx caches, temp dirs), or undefined. */
export function ephemeralLocation(script: string): string | undefined {
  const path = script.replace(/\\/g, "/");
  if (path.includes("/_npx/")) return "npx's cache";
  if (/\/pnpm\/dlx\/|\/\.pnpm-store\/.*\/dlx\//.test(path) || path.includes("/dlx-"))
    return "pnpm dlx's cache";
  if (/\/xfs-[0-9a-f]+\//.test(path)) return "a yarn dlx temporary directory";
  if (path.includes("/bunx-")) return "bunx's cache";
  const temp = resolve(tmpdir()).replace(/\\/g, "/");
  if (path.startsWith(`${temp}/`)) return "a temporary directory";
  return undefined;
}

function checkProgram(program: HelperProgram, platform: NodeJS.Platform): void {
  for (const [name, path] of [
    ["node", program.node],
    ["script", program.script],
  ] as const) {
    const absolute = path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
    const bad = /[\u0000-\u001f\u007f]/.test(path) || (platform === "win32" && /[%"&<>|^]/.test(path));
    if (!absolute || bad) {
      throw new UnsafeValueError(
        "UNSAFE_HELPER_PATH",
        `the helper's ${name} path \`${path}\` must be absolute${platform === "win32" ? ' and hold none of `% " & < > | ^`' : ""} and hold no control characters: pass an absolute path`,
      );
    }
  }
}

/**
 * Installs one pnpm token helper per registry: an executable (0700, in a 0700 dir under the user's data
 * dir) that runs `program` with the registry URL, and a `//host/path/:tokenHelper=PATH` line in the user
 * .npmrc (pnpm honours tokenHelper only in user config). Warns when `program.script` sits in npx's cache
 * or another place that gets cleaned (the durable way is a global install), that npm 11 prints
 * `Unknown user config "tokenHelper"` for such lines, and about a leftover `_authToken` npm keeps using.
 *
 * @throws {UnsafeValueError} `UNSAFE_HELPER_PATH` when the helper path has whitespace or `$ % \ \` " '`.
 * @throws {TokenHelperConflictError} when the registry already has another program's tokenHelper (unless `force`).
 * @example
 * await installPnpmTokenHelpers(targets, { program: { node: process.execPath, script: "/usr/lib/node_modules/codeartifact-keyring/dist/helper.js" } })
 */
export async function installPnpmTokenHelpers(
  targets: readonly RegistryTarget[],
  options: PnpmHelperOptions & { program: HelperProgram },
): Promise<HelperInstallResult> {
  const platform = options.platform ?? process.platform;
  checkProgram(options.program, platform);
  const dir = resolve(options.helperDir ?? pnpmHelperDir({ ...options, platform }));
  const npmrcPath = options.npmrcPath ?? userNpmrcPath(options);
  const existing = parseNpmrc(readConfigText(resolveRealPath(npmrcPath), "npmrc") ?? "");
  const warnings: string[] = [];

  const helpers: InstalledHelper[] = [];
  const edits: NpmrcEdit[] = [];
  const seen = new Set<string>();
  for (const target of targets) {
    const nerf = registryNerfDart(target.registryUrl);
    if (seen.has(nerf)) continue;
    seen.add(nerf);
    const helperPath = portable(join(dir, helperName(nerf, platform)), platform);
    const problem = helperPathProblem(helperPath);
    if (problem) {
      throw new UnsafeValueError(
        "UNSAFE_HELPER_PATH",
        `pnpm token helper path \`${helperPath}\` ${problem}: set \`XDG_DATA_HOME\` (or \`LOCALAPPDATA\` on Windows) to a directory whose path has no spaces, quotes, \`$\`, \`%\` or backslashes, then rerun`,
      );
    }
    for (const entry of existing) {
      if (entry.section !== undefined || typeof entry.value !== "string") continue;
      if (entry.key === `${nerf}:tokenHelper` && entry.value !== helperPath && !options.force) {
        throw new TokenHelperConflictError(
          `\`${npmrcPath}\`:${entry.line}: \`${nerf}\` already has a tokenHelper, \`${entry.value}\`, that is not ours: remove that line, or pass \`--force\` to replace it`,
        );
      }
      if (entry.key === `${nerf}:_authToken`) {
        warnings.push(
          `\`${npmrcPath}\`:${entry.line} also holds a token for \`${nerf}\`: pnpm uses the helper, but npm keeps sending that token until it expires; remove the line if only pnpm uses this registry`,
        );
      }
    }
    helpers.push({
      registryUrl: target.registryUrl,
      helperPath,
      ...(options.pinCoordinates ? { coordinates: coordinatesOf(target) } : {}),
    });
    edits.push({ kind: "set-token-helper", registryUrl: target.registryUrl, helperPath });
  }

  const ephemeral = ephemeralLocation(options.program.script);
  if (ephemeral) {
    warnings.push(
      `the pnpm token helpers run \`${options.program.script}\`, which lives in ${ephemeral} and can be deleted at any time (pnpm installs then fail until setup runs again): ${REINSTALL}`,
    );
  }
  // pnpm honours tokenHelper in the user .npmrc (every version) and in its own auth.ini (11.13+); npm reads
  // only the former, and npm 11/12 warn about the line there.
  const userNpmrc = resolveRealPath(userNpmrcPath(options));
  const authIni = resolveRealPath(join(pnpmConfigDir({ ...options, platform }), "auth.ini"));
  const target = resolveRealPath(npmrcPath);
  if (target !== userNpmrc && target !== authIni) {
    warnings.push(
      `pnpm reads tokenHelper only from the user .npmrc (\`${userNpmrc}\`) or, from 11.13 on, its \`${authIni}\`, not from \`${npmrcPath}\`; pnpm 12 fails on it in a project .npmrc`,
    );
  }

  const checkOptions = {
    ...(options.force ? { force: true } : {}),
    ...(options.env ? { env: options.env } : {}),
  };
  const applyOptions = { ...checkOptions, ...(options.onNotice ? { onNotice: options.onNotice } : {}) };
  // A dry run first: a refusal (git, read-only) comes before any helper file is written.
  let npmrc = await applyNpmrcEdits(
    npmrcPath,
    edits,
    options.dryRun ? { ...applyOptions, dryRun: true } : { ...checkOptions, dryRun: true },
  );
  if (!options.dryRun) {
    ensurePrivateDir(dir);
    for (const helper of helpers) {
      const script =
        platform === "win32"
          ? helperCmdScript(options.program, helper.registryUrl, helper.coordinates)
          : helperShellScript(options.program, helper.registryUrl, helper.coordinates);
      try {
        await writePrivateFile(helper.helperPath, script, { mode: 0o700 });
      } catch (cause) {
        throw new RcFileError(
          "FILE_IO",
          helper.helperPath,
          undefined,
          `the helper cannot be written: ${writeFailureReason(cause, dir)}`,
          { cause },
        );
      }
    }
    // Lines after files, so pnpm never finds a tokenHelper line without its program.
    npmrc = await applyNpmrcEdits(npmrcPath, edits, applyOptions);
  }
  if (target === userNpmrc && npmrc.changes.some((change) => change.action === "add")) {
    warnings.push(
      `npm 11 and 12 print \`Unknown user config "tokenHelper"\` for these lines in \`${npmrcPath}\` on every install; harmless, pnpm before 11.13 reads them only there (pnpm 11.13+ reads its own \`${authIni}\`, which npm does not: \`setup pnpm --pnpm-version VERSION\`)`,
    );
  }
  return { helpers, npmrc, warnings };
}

function isInside(path: string, dir: string): boolean {
  const normalized = path.replace(/\\/g, "/");
  const base = dir.replace(/\\/g, "/").replace(/\/$/, "");
  return normalized.startsWith(`${base}/`);
}

/** The registry URL as `setup pnpm` was given it (http stays http), from the helper's header line. */
function helperRegistryUrl(helperPath: string): string | undefined {
  let text: string;
  try {
    text = readFileBounded(helperPath, 64 * 1024)
      .toString("utf8")
      .slice(0, 4096);
  } catch {
    return undefined;
  }
  return /^(?:#|rem) pnpm token helper for (\S+), written by codeartifact-keyring\.\r?$/m.exec(text)?.[1];
}

/**
 * Removes pnpm token helpers: the `tokenHelper` lines that point into the helper dir, and the helper
 * files. `"all"` removes every one of ours; a line pointing at another program is left, with a warning.
 */
export async function removePnpmTokenHelpers(
  registryUrls: readonly string[] | "all",
  options: PnpmHelperOptions = {},
): Promise<HelperRemovalResult> {
  const platform = options.platform ?? process.platform;
  const dir = resolve(options.helperDir ?? pnpmHelperDir({ ...options, platform }));
  const portableDir = portable(dir, platform);
  const npmrcPath = options.npmrcPath ?? userNpmrcPath(options);
  const entries = parseNpmrc(readConfigText(resolveRealPath(npmrcPath), "npmrc") ?? "");
  const warnings: string[] = [];
  const removed: InstalledHelper[] = [];
  const edits: NpmrcEdit[] = [];
  const wanted =
    registryUrls === "all" ? undefined : new Set(registryUrls.map((url) => registryNerfDart(url)));

  for (const entry of entries) {
    if (entry.section !== undefined || typeof entry.value !== "string") continue;
    const nerf = /^(\/\/.+):tokenHelper$/.exec(entry.key)?.[1];
    if (!nerf || (wanted && !wanted.has(nerf))) continue;
    if (!isInside(entry.value, portableDir)) {
      if (wanted) {
        warnings.push(
          `\`${npmrcPath}\`:${entry.line}: the tokenHelper for \`${nerf}\` is \`${entry.value}\`, not ours, so it was left in place`,
        );
      }
      continue;
    }
    removed.push({ registryUrl: helperRegistryUrl(entry.value) ?? `https:${nerf}`, helperPath: entry.value });
    edits.push({ kind: "remove-token-helper", registryUrl: `https:${nerf}` });
  }
  const npmrc = await applyNpmrcEdits(npmrcPath, edits, {
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.onNotice ? { onNotice: options.onNotice } : {}),
    ...(options.env ? { env: options.env } : {}),
  });

  if (!options.dryRun) {
    const files = new Set(removed.map((helper) => resolve(helper.helperPath)));
    if (wanted) {
      for (const nerf of wanted) files.add(join(dir, helperName(nerf, platform)));
    } else {
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        names = [];
      }
      for (const name of names) if (name.startsWith(HELPER_PREFIX)) files.add(join(dir, name));
    }
    for (const file of files) {
      if (file.startsWith(`${dir}${sep}`)) rmSync(file, { force: true });
    }
  }
  return { removed, npmrc, warnings };
}
