// A loopback npm registry small enough to read: one package, one version, and a required bearer
// token. It records the Authorization header of every request so tests can see what a real npm,
// pnpm or yarn sent, instead of trusting what a config command reports.
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { makeTarget, type RegistryTarget } from "../../../src/codeartifact/registry-url.js";

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

function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, "utf8");
  header.write("0000644\0", 100, "ascii");
  header.write("0000000\0", 108, "ascii");
  header.write("0000000\0", 116, "ascii");
  header.write(`${size.toString(8).padStart(11, "0")}\0`, 124, "ascii");
  header.write(`${Math.floor(Date.UTC(2024, 0, 1) / 1000).toString(8)}\0`, 136, "ascii");
  header.write("        ", 148, "ascii");
  header.write("0", 156, "ascii");
  header.write("ustar\0", 257, "ascii");
  header.write("00", 263, "ascii");
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return header;
}

/** A gzipped tarball holding `package/package.json` (what `npm pack` makes, reduced to the minimum). */
export function makeTarball(manifest: Record<string, unknown>): Buffer {
  const body = Buffer.from(JSON.stringify(manifest));
  const padding = Buffer.alloc((512 - (body.length % 512)) % 512);
  return gzipSync(
    Buffer.concat([tarHeader("package/package.json", body.length), body, padding, Buffer.alloc(1024)]),
  );
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
