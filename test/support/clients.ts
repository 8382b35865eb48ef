// How to run each real package manager the tests drive, and on which Node: the machine's npm; pnpm 10,
// pnpm 12.4 and yarn berry from this project's devDependencies (their bins collide in
// node_modules/.bin); and the matrix's clients (npm 10/11/12, pnpm 9/10/11/12, yarn 1/4, bun, Node 22
// and 24) from test/e2e/clients/, a package of its own that `.ci/run` installs (680 MB of binaries
// that `npm ci` of the project need not fetch).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { ROOT } from "./run.js";

/** The clients of the matrix, by family and major version. */
export const MATRIX_CLIENTS = [
  "npm 10",
  "npm 11",
  "npm 12",
  "pnpm 9",
  "pnpm 10",
  "pnpm 11",
  "pnpm 12",
  "yarn 1",
  "yarn 4",
  "bun",
] as const;
export type MatrixClient = (typeof MATRIX_CLIENTS)[number];

export type Client = "npm" | "pnpm10" | "pnpm12" | "yarn" | MatrixClient;
export type Family = "npm" | "pnpm" | "yarn1" | "yarn4" | "bun";

/** The Node versions the tool and the clients run on: the machine's (20 here) and the matrix's 22 and 24. */
export type NodeLabel = "20" | "22" | "24";

/** Where test/e2e/clients/ installs its packages. */
export const MATRIX_MODULES = join(ROOT, "test", "e2e", "clients", "node_modules");

const NODE_BINARIES: Record<NodeLabel, string> = {
  "20": process.execPath,
  "22": join(MATRIX_MODULES, "node22", "bin", "node"),
  "24": join(MATRIX_MODULES, "node24", "bin", "node"),
};

/** The Node binary of `label`, or undefined when test/e2e/clients/ is not installed. */
export function nodeBinary(label: NodeLabel): string | undefined {
  const path = NODE_BINARIES[label];
  return existsSync(path) ? path : undefined;
}

interface ClientSpec {
  family: Family;
  /** A script run by Node (`node` names the Node), or a native binary (no `node`). */
  program: string;
  /** The Node that runs the client's script, its lifecycle scripts (first on PATH) and, in the matrix, the tool. */
  node: NodeLabel;
}

const modules = (path: string) => join(MATRIX_MODULES, path);
const root = (path: string) => join(ROOT, "node_modules", path);

// Each Node runs both clients and the tool: 20 where a client still supports it, npm 12 and pnpm 11
// (which need Node 22+) on 22, and the native binaries' tool runs on 24.
const SPECS: Record<Client, ClientSpec & { native?: boolean }> = {
  npm: { family: "npm", program: "npm", node: "20", native: true },
  pnpm10: { family: "pnpm", program: root("pnpm10/bin/pnpm.cjs"), node: "20" },
  pnpm12: { family: "pnpm", program: root("pnpm/bin/pnpm.mjs"), node: "20" },
  yarn: { family: "yarn4", program: root("@yarnpkg/cli-dist/bin/yarn.js"), node: "20" },
  "npm 10": { family: "npm", program: modules("npm10/bin/npm-cli.js"), node: "20" },
  "npm 11": { family: "npm", program: modules("npm11/bin/npm-cli.js"), node: "24" },
  "npm 12": { family: "npm", program: modules("npm12/bin/npm-cli.js"), node: "22" },
  "pnpm 9": { family: "pnpm", program: modules("pnpm9/bin/pnpm.cjs"), node: "20" },
  "pnpm 10": { family: "pnpm", program: modules("pnpm10/bin/pnpm.cjs"), node: "24" },
  "pnpm 11": { family: "pnpm", program: modules("pnpm11/bin/pnpm.mjs"), node: "22" },
  "pnpm 12": { family: "pnpm", program: modules("pnpm12/pnpm"), node: "24", native: true },
  "yarn 1": { family: "yarn1", program: modules("yarn1/bin/yarn.js"), node: "20" },
  "yarn 4": { family: "yarn4", program: modules("yarn4/bin/yarn.js"), node: "22" },
  bun: { family: "bun", program: modules("bun/bin/bun"), node: "24", native: true },
};

/** The package-manager family of `client`. */
export function clientFamily(client: Client): Family {
  return SPECS[client].family;
}

/** The Node that runs `client` (and, in the matrix, the tool next to it). */
export function clientNode(client: Client): NodeLabel {
  return SPECS[client].node;
}

/** Why `client` cannot run here (its package or its Node is not installed), or undefined. */
export function clientMissing(client: Client): string | undefined {
  const spec = SPECS[client];
  if (spec.program.startsWith("/") && !existsSync(spec.program)) {
    return `${client} is not installed (\`npm ci --prefix test/e2e/clients\`; .ci/run does it)`;
  }
  if (!spec.native && !nodeBinary(spec.node)) return `Node ${spec.node} is not installed (test/e2e/clients)`;
  return undefined;
}

/** The command line that runs `client` (its program first). */
export function clientCommand(client: Client): string[] {
  const spec = SPECS[client];
  if (spec.native) return [spec.program];
  return [nodeBinary(spec.node) ?? NODE_BINARIES[spec.node], spec.program];
}

/**
 * The PATH a client of `client` gets: the directory of its Node first, so `#!/usr/bin/env node` bins and
 * lifecycle scripts run on the same Node.
 */
export function clientPath(client: Client, path: string): string {
  const node = nodeBinary(SPECS[client].node);
  return node ? `${dirname(node)}:${path}` : path;
}
