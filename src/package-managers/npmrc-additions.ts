// What `login` added to an .npmrc beyond tokens: the `registry=` / `@scope:registry=` lines of
// `--default-registry` / `--scope`, and whether it created the file. Kept in a record of its own (in the
// user data dir) rather than in the .npmrc, so `logout` removes exactly those lines, never one the user
// wrote (a line whose value the user changed since is theirs), and deletes a file it created once it
// is empty again.
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { ensurePrivateDir, writePrivateFile } from "../configstore/files.js";
import { userDirs } from "../configstore/paths.js";
import { readFileBounded } from "../configstore/text-file.js";

/** A registry line `login` added. */
export interface AddedRegistryLine {
  registryUrl: string;
  /** `@corp` for `@corp:registry=`, absent for `registry=`. */
  scope?: string;
}

export interface NpmrcAdditions {
  /** `login` created the file. */
  created: boolean;
  registries: AddedRegistryLine[];
}

type Record = { [realFile: string]: NpmrcAdditions };

/** Where the record lives: `<user data dir>/codeartifact-keyring/npmrc-additions.json`. */
export function additionsRecordPath(env: NodeJS.ProcessEnv): string {
  return join(userDirs("codeartifact-keyring", { env }).data, "npmrc-additions.json");
}

function readRecord(env: NodeJS.ProcessEnv): Record {
  try {
    const data = JSON.parse(readFileBounded(additionsRecordPath(env)).toString("utf8")) as {
      files?: unknown;
    };
    return data.files && typeof data.files === "object" ? (data.files as Record) : {};
  } catch {
    // Missing or unreadable: nothing recorded, so nothing is removed (the safe side).
    return {};
  }
}

async function writeRecord(env: NodeJS.ProcessEnv, record: Record): Promise<void> {
  const file = additionsRecordPath(env);
  ensurePrivateDir(dirname(file));
  await writePrivateFile(file, `${JSON.stringify({ version: 1, files: record }, null, 2)}\n`);
}

/** What was recorded for `realFile` (empty when nothing was). */
export function readAdditions(realFile: string, env: NodeJS.ProcessEnv): NpmrcAdditions {
  const entry = readRecord(env)[realFile];
  return {
    created: entry?.created === true,
    registries: Array.isArray(entry?.registries) ? entry.registries : [],
  };
}

/** Adds to the record of `realFile`: that `login` created it, and registry lines it added. */
export async function recordAdditions(
  realFile: string,
  added: { created: boolean; registries: readonly AddedRegistryLine[] },
  env: NodeJS.ProcessEnv,
): Promise<void> {
  if (!added.created && added.registries.length === 0) return;
  const record = readRecord(env);
  const current = readAdditions(realFile, env);
  const key = (r: AddedRegistryLine) => `${r.scope ?? ""}=${r.registryUrl}`;
  const registries = [...current.registries];
  for (const line of added.registries) {
    if (!registries.some((r) => key(r) === key(line))) registries.push({ ...line });
  }
  record[realFile] = { created: current.created || added.created, registries };
  await writeRecord(env, record);
}

/** Replaces the record of `realFile` (undefined forgets the file). */
export async function replaceAdditions(
  realFile: string,
  additions: NpmrcAdditions | undefined,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const record = readRecord(env);
  if (!(realFile in record) && !additions) return;
  if (additions && (additions.created || additions.registries.length > 0)) record[realFile] = additions;
  else delete record[realFile];
  if (Object.keys(record).length === 0) rmSync(additionsRecordPath(env), { force: true });
  else await writeRecord(env, record);
}
