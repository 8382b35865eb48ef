// The private packages the e2e registry serves, published with Verdaccio's real publish endpoint
// (the document `npm publish` sends), built in memory: no npm process, so each test file starts fast.
import { createHash } from "node:crypto";
import { packageTarball } from "../../support/tarball.js";
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

/** The tarball `npm pack` would make for the package: package.json and index.js under `package/`. */
export function packTarball(pkg: PrivatePackage): { tarball: Buffer; manifest: Record<string, unknown> } {
  const manifest = {
    name: pkg.name,
    version: pkg.version,
    description: "a private package served by the e2e registry",
    main: "index.js",
    license: "UNLICENSED",
  };
  const tarball = packageTarball({
    "package/package.json": `${JSON.stringify(manifest, null, 2)}\n`,
    "package/index.js": `module.exports = ${JSON.stringify(pkg.exports)};\n`,
  });
  return { tarball, manifest };
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
