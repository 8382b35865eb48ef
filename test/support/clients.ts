// How to run each real package manager the tests drive: the machine's npm, and pnpm 10, pnpm 12 and
// yarn berry from this project's devDependencies (their bins collide in node_modules/.bin).
import { join } from "node:path";
import { ROOT } from "./run.js";

export type Client = "npm" | "pnpm10" | "pnpm12" | "yarn";

const COMMANDS: Record<Client, readonly string[]> = {
  npm: ["npm"],
  pnpm10: [process.execPath, join(ROOT, "node_modules", "pnpm10", "bin", "pnpm.cjs")],
  pnpm12: [process.execPath, join(ROOT, "node_modules", "pnpm", "bin", "pnpm.mjs")],
  yarn: [process.execPath, join(ROOT, "node_modules", "@yarnpkg", "cli-dist", "bin", "yarn.js")],
};

/** The command line that runs `client` (its program first). */
export function clientCommand(client: Client): string[] {
  return [...COMMANDS[client]];
}
