// Tokens already sitting where git commits them: tracked `.npmrc` files with a literal `_authToken`
// for a CodeArtifact registry. Reported by file:line, never with the token.
import { join } from "node:path";
import { parseRegistryUrl } from "../codeartifact/registry-url.js";
import { type GitOptions, runGit } from "./git.js";
import { parseNpmrc } from "./ini-text.js";
import { readConfigText } from "./private-file.js";

/** A committed CodeArtifact token (the token itself is never included). */
export interface CommittedTokenWarning {
  file: string;
  line: number;
  /** The nerf dart the token is for, e.g. `//d-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/repo/`. */
  nerfDart: string;
  /** One line: where, why it matters, what to do. */
  message: string;
}

function isCodeArtifact(nerfDart: string): boolean {
  try {
    return parseRegistryUrl(`https:${nerfDart}`) !== undefined;
  } catch {
    // A CodeArtifact host with a path we cannot parse (e.g. the bare host) is still CodeArtifact's.
    return true;
  }
}

/**
 * Finds git-tracked `.npmrc` files in the repository around `cwd` that hold a literal `_authToken` (not
 * a `${VAR}` reference) for a CodeArtifact registry. Not a repository, or no git: no warnings.
 *
 * @example
 * for (const w of await findCommittedTokens({ cwd })) onWarning(w.message)
 */
export async function findCommittedTokens(
  options: { cwd: string } & GitOptions,
): Promise<CommittedTokenWarning[]> {
  const top = await runGit(options.cwd, ["rev-parse", "--show-toplevel"], options);
  if (top.missing || top.code !== 0) return [];
  const root = top.stdout.trim();
  // Glob magic is off (--literal-pathspecs), so list every tracked file and pick the .npmrc ones.
  const listed = await runGit(root, ["ls-files", "-z", "--cached"], options);
  if (listed.code !== 0) return [];
  const files = listed.stdout
    .split("\0")
    .filter((path) => path === ".npmrc" || path.endsWith("/.npmrc"))
    .sort();
  const warnings: CommittedTokenWarning[] = [];
  for (const relativePath of files) {
    const file = join(root, relativePath);
    let text: string | undefined;
    try {
      text = readConfigText(file, "npmrc");
    } catch {
      continue;
    }
    if (text === undefined) continue;
    for (const entry of parseNpmrc(text)) {
      if (entry.section !== undefined || typeof entry.value !== "string") continue;
      const match = /^(\/\/.+):_authToken$/.exec(entry.key);
      if (!match?.[1] || entry.value === "" || entry.value.includes("${")) continue;
      if (!isCodeArtifact(match[1])) continue;
      warnings.push({
        file,
        line: entry.line,
        nerfDart: match[1],
        message: `\`${file}\`:${entry.line} holds a CodeArtifact token for \`${match[1]}\` and git tracks the file: delete that line and commit (the copy in git history expires with the token, within 12 hours); keep tokens in your user .npmrc, where \`codeartifact-login\` writes them, or in the environment`,
      });
    }
  }
  return warnings;
}
