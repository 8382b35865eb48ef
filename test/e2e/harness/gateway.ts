// The front door that makes Verdaccio look like a CodeArtifact npm endpoint: it serves only under
// `/npm/REPO/` (and strips that prefix before passing a request to Verdaccio's socket), keeps the
// Host header (so Verdaccio writes tarball URLs back under the same prefix), and, like CodeArtifact,
// answers 401 to a token after its expiry. Every request is recorded so tests can see what a real
// client sent.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface GatewayRequest {
  method: string;
  /** The path as the client sent it (prefix included). */
  path: string;
  status: number;
  /** The bearer token the client sent, if any (kept in memory only, for assertions). */
  bearer?: string;
}

export interface Gateway {
  /** `http://HOST[:PORT]/npm/REPO/` (no port when it listens on 80, as CodeArtifact URLs carry none). */
  registryUrl: string;
  host: string;
  port: number;
  requests: GatewayRequest[];
  /** From `at` on, `token` gets 401 as an expired CodeArtifact token does. */
  expireAt(token: string, at: Date): void;
  close(): Promise<void>;
}

export async function startGateway(options: {
  /** Verdaccio's unix socket. */
  socket: string;
  repository: string;
  host?: string;
  port?: number;
}): Promise<Gateway> {
  const prefix = `/npm/${options.repository}/`;
  const expiries = new Map<string, number>();
  const requests: GatewayRequest[] = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer((req, res) => {
    const path = req.url ?? "/";
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const record: GatewayRequest = { method: req.method ?? "GET", path, status: 0 };
    if (bearer) record.bearer = bearer;
    requests.push(record);
    const reply = (status: number, error: string) => {
      record.status = status;
      res.writeHead(status, {
        "content-type": "application/json",
        ...(status === 401 ? { "www-authenticate": 'Bearer realm="codeartifact"' } : {}),
      });
      res.end(JSON.stringify({ error }));
    };
    if (!path.startsWith(prefix)) {
      reply(404, `not found: this registry serves only ${prefix}`);
      return;
    }
    const expiry = bearer === undefined ? undefined : expiries.get(bearer);
    if (expiry !== undefined && Date.now() >= expiry) {
      reply(401, "the authorization token has expired");
      return;
    }
    const upstream = request(
      {
        socketPath: options.socket,
        method: req.method,
        path: path.slice(prefix.length - 1),
        headers: req.headers,
      },
      (answer) => {
        record.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (error) => {
      if (!res.headersSent) reply(502, `Verdaccio is unreachable: ${error.message}`);
      else res.destroy();
    });
    req.pipe(upstream);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  // Never keep a test process alive on its own.
  server.unref();
  const port = (server.address() as AddressInfo).port;
  return {
    registryUrl: `http://${host}${port === 80 ? "" : `:${port}`}${prefix}`,
    host,
    port,
    requests,
    expireAt(token, at) {
      expiries.set(token, at.getTime());
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
