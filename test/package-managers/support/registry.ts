// A loopback npm registry small enough to read: one package, one version, and a required bearer
// token. It records the Authorization header of every request so tests can see what a real npm,
// pnpm or yarn sent, instead of trusting what a config command reports.
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { makeTarget, type RegistryTarget } from "../../../src/codeartifact/registry-url.js";
import { packageTarball } from "../../support/tarball.js";

export interface RecordedRequest {
  method: string;
  url: string;
  authorization: string | undefined;
}

export interface LoopbackRegistry {
  /** `http://127.0.0.1:PORT/npm/<repo>/` */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A gzipped tarball holding `package/package.json` (what `npm pack` makes, reduced to the minimum). */
export function makeTarball(manifest: Record<string, unknown>): Buffer {
  return packageTarball({ "package/package.json": JSON.stringify(manifest) });
}

/**
 * Starts a registry at `http://127.0.0.1:PORT/npm/<repo>/` serving `name@1.0.0` (scoped names work)
 * to requests that carry `Authorization: Bearer <token>`; everything else gets 401.
 */
export async function startLoopbackRegistry(options: {
  token: string;
  name?: string;
  repo?: string;
  /** 80 lets the URL carry no port, as CodeArtifact's do (binding it needs root). Default: any free port. */
  port?: number;
}): Promise<LoopbackRegistry> {
  const name = options.name ?? "cak-demo";
  const repo = options.repo ?? "repo";
  const manifest = { name, version: "1.0.0" };
  const tarball = makeTarball(manifest);
  const integrity = `sha512-${createHash("sha512").update(tarball).digest("base64")}`;
  const shasum = createHash("sha1").update(tarball).digest("hex");
  const requests: RecordedRequest[] = [];
  const prefix = `/npm/${repo}/`;
  const tarballPath = `${prefix}${name}/-/${name.replace(/^@[^/]+\//, "")}-1.0.0.tgz`;

  const server: Server = createServer((req, res) => {
    const url = req.url ?? "/";
    requests.push({ method: req.method ?? "GET", url, authorization: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401, { "content-type": "application/json", "www-authenticate": 'Bearer realm="test"' });
      res.end(JSON.stringify({ error: "unauthorized" }));
      return;
    }
    const base = origin();
    const decoded = decodeURIComponent(url);
    if (decoded === `${prefix}${name}`) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          name,
          "dist-tags": { latest: "1.0.0" },
          versions: {
            "1.0.0": { ...manifest, dist: { tarball: `${base}${tarballPath}`, integrity, shasum } },
          },
          time: { "1.0.0": "2024-01-01T00:00:00.000Z", created: "2024-01-01T00:00:00.000Z" },
        }),
      );
      return;
    }
    if (decoded === tarballPath) {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(tarball);
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "not found" }));
  });
  const origin = () => {
    const { port } = server.address() as AddressInfo;
    return port === 80 ? "http://127.0.0.1" : `http://127.0.0.1:${port}`;
  };
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  return {
    url: `${origin()}${prefix}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A target for a loopback registry, with made-up (valid) CodeArtifact coordinates. */
export function loopbackTarget(registryUrl: string): RegistryTarget {
  return makeTarget({
    registryUrl,
    domain: "corp",
    domainOwner: "111122223333",
    region: "us-east-1",
    repository: "repo",
  });
}
