// Passing a token to later GitHub Actions steps: the runner reads `NAME<<DELIMITER` blocks from the
// file $GITHUB_ENV (a random delimiter, so no value can end the block early).
import { CodedError } from "../configstore/errors.js";
import { appendPrivateFile } from "../configstore/files.js";

export class GithubEnvError extends CodedError {
  override name = "GithubEnvError";
  constructor(message: string) {
    super("GITHUB_ENV_UNAVAILABLE", message);
  }
}

/** The $GITHUB_ENV file; checked before anything is fetched, printed or written. */
export function requireGithubEnv(env: NodeJS.ProcessEnv): string {
  const file = env.GITHUB_ENV;
  if (!file) {
    throw new GithubEnvError(
      "--github-env needs the GITHUB_ENV file that GitHub Actions sets: run it inside a workflow step",
    );
  }
  return file;
}

/** Appends `values` to $GITHUB_ENV. */
export async function exportToGithubEnv(
  env: NodeJS.ProcessEnv,
  values: Record<string, string>,
): Promise<string> {
  const file = requireGithubEnv(env);
  // Loaded here: `token` imports this module, and crypto costs a warm run ~4 ms.
  const { randomBytes } = await import("node:crypto");
  let text = "";
  for (const [name, value] of Object.entries(values)) {
    const delimiter = `ghadelimiter_${randomBytes(12).toString("hex")}`;
    text += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  // The same ownership and file-kind checks as every other secret file; created 0600.
  appendPrivateFile(file, text);
  return file;
}
