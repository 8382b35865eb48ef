// A real Verdaccio (the devDependency, 6.8) that requires authentication for every package, run as a
// daemon tied to this process. It listens on a unix socket in its own temp dir, so nothing but the
// gateway (gateway.ts) can reach it; the gateway gives it the `/npm/REPO/` prefix CodeArtifact URLs have.
import { writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { spawnTied, type TiedProcess } from "../../support/processes.js";
import { ROOT } from "../../support/run.js";
import { makeTempDir } from "../../support/tmp.js";

export interface VerdaccioServer {
  /** The unix socket Verdaccio listens on. */
  socket: string;
  /** An HTTP request straight to Verdaccio (not through the gateway). */
  call(method: string, path: string, options?: CallOptions): Promise<{ status: number; body: string }>;
  /** Creates a user and returns its first token (`PUT /-/user/org.couchdb.user:NAME`, as `npm adduser`). */
  addUser(name: string, password: string): Promise<string>;
  /** A new token for an existing user (the same call with Basic auth, as `npm login`): distinct each time. */
  login(name: string, password: string): Promise<string>;
  /** What Verdaccio printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface CallOptions {
  headers?: Record<string, string>;
  body?: string | Buffer;
}

const VERDACCIO_BIN = join(ROOT, "node_modules", "verdaccio", "bin", "verdaccio");

/**
 * Starts Verdaccio with htpasswd auth (bcrypt with 4 rounds, so the per-request password check stays
 * cheap), no uplinks, `$authenticated` access and publish for every package, and `url_prefix` set to
 * `urlPrefix`: Verdaccio does not route under it, but it writes tarball URLs under it (with the
 * request's Host), which is what keeps them inside the registry's credential scope.
 */
export async function startVerdaccio(options: { urlPrefix: string }): Promise<VerdaccioServer> {
  const dir = makeTempDir("cak-verdaccio-");
  const socket = join(dir, "verdaccio.sock");
  const config = join(dir, "config.yaml");
  writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(join(dir, "storage"))}`,
      "auth:",
      "  htpasswd:",
      `    file: ${JSON.stringify(join(dir, "htpasswd"))}`,
      "    max_users: 1000",
      "    algorithm: bcrypt",
      "    rounds: 4",
      "uplinks: {}",
      "packages:",
      "  '@*/*':",
      "    access: $authenticated",
      "    publish: $authenticated",
      "  '**':",
      "    access: $authenticated",
      "    publish: $authenticated",
      `url_prefix: ${JSON.stringify(options.urlPrefix)}`,
      "web:",
      "  enable: false",
      "log: { type: stdout, format: pretty, level: warn }",
      "",
    ].join("\n"),
  );
  let output = "";
  const daemon: TiedProcess = spawnTied(
    process.execPath,
    [VERDACCIO_BIN, "--config", config, "--listen", `unix:${socket}`],
    {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, NODE_ENV: "production" },
      cwd: dir,
    },
  );
  daemon.child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  daemon.child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  let exited = false;
  daemon.child.once("exit", () => {
    exited = true;
  });

  const call: VerdaccioServer["call"] = (method, path, callOptions = {}) =>
    new Promise((resolve, reject) => {
      const req = request(
        { socketPath: socket, method, path, headers: { host: "localhost", ...callOptions.headers } },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            body += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.end(callOptions.body);
    });

  const server: VerdaccioServer = {
    socket,
    call,
    output: () => output,
    stop: () => daemon.stop(),
    addUser: (name, password) => userToken(call, name, password, {}),
    login: (name, password) =>
      userToken(call, name, password, {
        authorization: `Basic ${Buffer.from(`${name}:${password}`).toString("base64")}`,
      }),
  };

  // Ready when it answers its ping over the socket (start-up takes 1-3 s here).
  const deadline = Date.now() + 60_000;
  while (true) {
    if (exited) {
      throw new Error(`Verdaccio exited during start-up:\n${output.slice(-2000)}`);
    }
    const ping = await call("GET", "/-/ping").catch(() => undefined);
    if (ping?.status === 200) return server;
    if (Date.now() > deadline) {
      await daemon.stop();
      throw new Error(`Verdaccio did not answer on ${socket} within 60 s:\n${output.slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function userToken(
  call: VerdaccioServer["call"],
  name: string,
  password: string,
  headers: Record<string, string>,
): Promise<string> {
  const response = await call("PUT", `/-/user/org.couchdb.user:${encodeURIComponent(name)}`, {
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, password, type: "user", roles: [] }),
  });
  const token = (JSON.parse(response.body || "{}") as { token?: unknown }).token;
  if (response.status !== 201 || typeof token !== "string") {
    throw new Error(`Verdaccio refused user \`${name}\` (HTTP ${response.status}): ${response.body}`);
  }
  return token;
}
