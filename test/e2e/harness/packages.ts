// The private packages the e2e registry serves, published with Verdaccio's real publish endpoint
// (the document `npm publish` sends), built in memory: no npm process, so each test file starts fast.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { VerdaccioServer } from "./verdaccio.js";

export interface PrivatePackage {
  name: string;
  version: string;
  /** What `require(name)` returns once installed (a string, so tests can compare it). */
  exports: string;
}

/** The scoped package a project maps with `@corp:registry=`, and the unscoped one `registry=` serves. */
export const SCOPED: PrivatePackage = {
  name: "@corp/secret-sauce",
  version: "1.0.0",
  exports: "the secret sauce, from the private registry",
};
export const UNSCOPED: PrivatePackage = {
  name: "corp-private-utils",
  version: "1.0.0",
  exports: "private utils, from the private registry",
};
export const PACKAGES = [SCOPED, UNSCOPED] as const;

function tarEntry(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, "utf8");
  header.write("0000644\0", 100, "ascii");
  header.write("0000000\0", 108, "ascii");
  header.write("0000000\0", 116, "ascii");
  header.write(`${content.length.toString(8).padStart(11, "0")}\0`, 124, "ascii");
  header.write(`${Math.floor(Date.UTC(2024, 0, 1) / 1000).toString(8)}\0`, 136, "ascii");
  header.write("        ", 148, "ascii");
  header.write("0", 156, "ascii");
  header.write("ustar\0", 257, "ascii");
  header.write("00", 263, "ascii");
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding]);
}

/** The tarball `npm pack` would make for the package: package.json and index.js under `package/`. */
export function packTarball(pkg: PrivatePackage): { tarball: Buffer; manifest: Record<string, unknown> } {
  const manifest = {
    name: pkg.name,
    version: pkg.version,
    description: "a private package served by the e2e registry",
    main: "index.js",
    license: "UNLICENSED",
  };
  const files = [
    tarEntry("package/package.json", Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)),
    tarEntry("package/index.js", Buffer.from(`module.exports = ${JSON.stringify(pkg.exports)};\n`)),
  ];
  return { tarball: gzipSync(Buffer.concat([...files, Buffer.alloc(1024)])), manifest };
}

/** Publishes `pkg` as `npm publish` does: one PUT of the packument with the tarball attached. */
export async function publish(verdaccio: VerdaccioServer, token: string, pkg: PrivatePackage): Promise<void> {
  const { tarball, manifest } = packTarball(pkg);
  const file = `${pkg.name.replace(/^@[^/]+\//, "")}-${pkg.version}.tgz`;
  const document = {
    _id: pkg.name,
    name: pkg.name,
    description: manifest.description,
    "dist-tags": { latest: pkg.version },
    versions: {
      [pkg.version]: {
        ...manifest,
        _id: `${pkg.name}@${pkg.version}`,
        dist: {
          shasum: createHash("sha1").update(tarball).digest("hex"),
          integrity: `sha512-${createHash("sha512").update(tarball).digest("base64")}`,
          tarball: `http://localhost/${pkg.name}/-/${file}`,
        },
      },
    },
    access: null,
    _attachments: {
      [file]: {
        content_type: "application/octet-stream",
        data: tarball.toString("base64"),
        length: tarball.length,
      },
    },
  };
  const response = await verdaccio.call("PUT", `/${pkg.name.replace("/", "%2f")}`, {
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(document),
  });
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`publishing ${pkg.name} failed (HTTP ${response.status}): ${response.body}`);
  }
}
