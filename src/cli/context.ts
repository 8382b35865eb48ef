import type { Output } from "./output.js";

/** What every command gets: where to print, the environment, the working directory, --config. */
export interface CommandContext {
  out: Output;
  env: NodeJS.ProcessEnv;
  cwd: string;
  configPath?: string;
}
