// The package as users get it: built into .bench/ (never the working tree's dist/, which tests
// rebuild), staged with the files `npm pack` publishes, packed, and installed from the tarball into
// an empty project, as `npx codeartifact-keyring` does. Two builds are compared: the published one
// (pure-JS dependencies bundled into dist/) and the layout before bundling (every dependency external).
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { isBuiltin } from "node:module";
import { join, relative } from "node:path";
import { build } from "esbuild";

export type Variant = "bundled" | "external";

export interface Footprint {
  tarball: string;
  /** Bytes of the .tgz, and of the files in it. */
  packedBytes: number;
  unpackedBytes: number;
  files: number;
  /** Packages in the project's node_modules after installing the tarball (this package included). */
  packages?: number;
  /** node_modules: bytes on disk (allocated blocks) and file bytes. */
  diskBytes?: number;
  fileBytes?: number;
  installSeconds?: number;
  /** Why the install failed (offline?); timings then use the staged package. */
  installError?: string;
}

export interface BuiltPackage {
  variant: Variant;
  /** The staged package directory (bin/, dist/, package.json). */
  staged: string;
  /** The bin and the pnpm helper as the measured commands run them: from the installed package if it installed. */
  bin: string;
  helper: string;
  /** Dependencies the staged package.json declares (bundled: only what dist/ still imports). */
  dependencies: string[];
  /** Dependencies package.json declares that dist/ no longer imports (bundled variant). */
  bundledButDeclared: string[];
  footprint: Footprint;
}

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const result = spawnSync(command, args, { ...options, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status}):\n${result.stderr}`);
  }
  return result.stdout;
}

/** Every JS file under `dir`. */
function jsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".js"))
    .map((name) => join(dir, name));
}

/**
 * Package names the built files import or require (`@napi-rs/keyring`, …), not Node's built-ins,
 * found by esbuild's parser (a package named in an error message is not an import).
 */
async function importedPackages(dist: string): Promise<Set<string>> {
  const { metafile } = await build({
    entryPoints: jsFiles(dist),
    bundle: true,
    write: false,
    metafile: true,
    outdir: join(dist, "..", "scan"),
    platform: "node",
    format: "esm",
    packages: "external",
    logLevel: "silent",
  });
  const names = new Set<string>();
  // `createRequire(import.meta.url)("@napi-rs/keyring")` is a require esbuild does not see as one.
  for (const file of jsFiles(dist)) {
    for (const match of readFileSync(file, "utf8").matchAll(/\bcreateRequire\([^)]*\)\(\s*"([^"]+)"/g)) {
      names.add(/^(?:@[^/]+\/)?[^/]+/.exec(match[1] as string)?.[0] as string);
    }
  }
  for (const input of Object.values(metafile.inputs)) {
    for (const { path, external } of input.imports) {
      const name = /^(?:@[^/]+\/)?[^/]+/.exec(path)?.[0];
      if (external && name && !path.startsWith(".") && !isBuiltin(path)) names.add(name);
    }
  }
  return names;
}

/**
 * Builds `variant` into `.bench/<variant>/package/dist` and stages it as `npm pack` would see it:
 * package.json without scripts or devDependencies, its `dependencies` exactly what that build's dist/
 * imports (for the bundled build, the native keychain binding alone).
 */
export async function buildAndStage(
  root: string,
  workDir: string,
  variant: Variant,
  typesFrom?: string,
): Promise<BuiltPackage> {
  const base = join(workDir, variant);
  const staged = join(base, "package");
  rmSync(base, { recursive: true, force: true });
  mkdirSync(staged, { recursive: true });
  const buildArgs = [join(root, "scripts/build.mjs"), "--outdir", join(staged, "dist")];
  if (variant === "external") buildArgs.push("--external-deps");
  if (typesFrom) buildArgs.push("--js-only");
  run(process.execPath, buildArgs, { cwd: root });
  // The declarations are the same for both builds: tsc runs once.
  if (typesFrom) cpSync(typesFrom, join(staged, "dist", "types"), { recursive: true });
  cpSync(join(root, "bin"), join(staged, "bin"), { recursive: true });
  for (const name of readdirSync(root)) {
    if (/^(readme|license|licence|notice)/i.test(name) && lstatSync(join(root, name)).isFile()) {
      cpSync(join(root, name), join(staged, name));
    }
  }
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Record<string, unknown> & {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  // Every package dist/ still imports is a runtime dependency of the staged package, with the range
  // package.json gives it (the bundled ones are devDependencies of the repository).
  const ranges = { ...manifest.devDependencies, ...manifest.dependencies };
  const imported = await importedPackages(join(staged, "dist"));
  const missing = [...imported].filter((name) => ranges[name] === undefined);
  if (missing.length > 0) {
    throw new Error(`dist/ (${variant}) imports packages package.json does not know: ${missing.join(", ")}`);
  }
  const bundledButDeclared = Object.keys(manifest.dependencies ?? {}).filter((name) => !imported.has(name));
  manifest.dependencies = Object.fromEntries(
    [...imported].sort().map((name) => [name, ranges[name] as string]),
  );
  delete manifest.scripts;
  delete manifest.devDependencies;
  writeFileSync(join(staged, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return {
    variant,
    staged,
    bin: join(staged, "bin", "codeartifact-login.js"),
    helper: join(staged, "dist", "pnpm-token-helper.cjs"),
    dependencies: Object.keys(manifest.dependencies ?? {}),
    bundledButDeclared,
    footprint: { tarball: "", packedBytes: 0, unpackedBytes: 0, files: 0 },
  };
}

/** Sizes of a directory tree: allocated blocks (what `du` reports) and file bytes. */
function treeSize(dir: string): { diskBytes: number; fileBytes: number } {
  let diskBytes = 0;
  let fileBytes = 0;
  for (const name of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    const stat = lstatSync(join(dir, name));
    diskBytes += stat.blocks * 512;
    if (stat.isFile()) fileBytes += stat.size;
  }
  return { diskBytes, fileBytes };
}

/**
 * Packs the staged package and installs the tarball into an empty project with npm (the user's npm
 * cache, an empty user config, no audit or fund requests), in a directory under `projects`. On success the measured commands run the
 * installed copy; when the install fails (no registry access), the staged one, and `installError` says why.
 */
export function packAndInstall(pkg: BuiltPackage, npmEnv: NodeJS.ProcessEnv, projects: string): BuiltPackage {
  const base = join(pkg.staged, "..");
  const [packed] = JSON.parse(
    run("npm", ["pack", "--json", "--pack-destination", base], { cwd: pkg.staged, env: npmEnv }),
  ) as { filename: string; size: number; unpackedSize: number; entryCount: number }[];
  if (!packed) throw new Error("npm pack printed no result");
  const footprint: Footprint = {
    tarball: join(base, packed.filename),
    packedBytes: packed.size,
    unpackedBytes: packed.unpackedSize,
    files: packed.entryCount,
  };
  // Outside this checkout: Node must not find a dependency in the repository's node_modules.
  const project = join(projects, pkg.variant);
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, "package.json"), '{ "name": "bench-project", "private": true }\n');
  const started = process.hrtime.bigint();
  const install = spawnSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", footprint.tarball],
    { cwd: project, env: npmEnv, encoding: "utf8" },
  );
  if (install.status !== 0) {
    footprint.installError = `npm install of the tarball failed (exit ${install.status}): ${install.stderr.trim().split("\n").slice(-3).join(" ")}`;
    return { ...pkg, footprint };
  }
  footprint.installSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const listed = spawnSync("npm", ["ls", "--all", "--parseable"], {
    cwd: project,
    env: npmEnv,
    encoding: "utf8",
  });
  footprint.packages = listed.stdout
    .split("\n")
    .filter((line) => line.trim() !== "" && line.trim() !== project).length;
  Object.assign(footprint, treeSize(join(project, "node_modules")));
  const installed = join(project, "node_modules", "codeartifact-keyring");
  if (!existsSync(join(installed, "bin", "codeartifact-login.js"))) {
    throw new Error(`the installed package has no bin: ${relative(base, installed)}`);
  }
  return {
    ...pkg,
    bin: join(installed, "bin", "codeartifact-login.js"),
    helper: join(installed, "dist", "pnpm-token-helper.cjs"),
    footprint,
  };
}
