#!/usr/bin/env node
// Builds dist/ with esbuild, then tsc emits the declaration files the `exports` map points at.
//
// Start-up is what this layout is for (BENCHMARKS.md has the figures). Node 20 pays about a
// millisecond per ES module it loads and about 2 ms per 100 KB it compiles, so each program is one
// file, and the ones that run before every install are small:
//   dist/cli.js                              the CLI: every line of src/ it can reach, commander
//                                            included; modules imported lazily stay lazy (`__esm`).
//   dist/token.cjs, dist/pnpm-token-helper.cjs
//                                            `token` with plain flags (bin/ tries it first) and the
//                                            pnpm token helper: only the code of that one job, as
//                                            CommonJS, which Node 20 starts ~10 ms faster than an
//                                            ES module (it need not set up its ES module loader).
//   dist/vendor/                             the third-party packages src/ imports lazily (the AWS
//                                            SDK, yaml, proper-lockfile, …), minified, split into
//                                            shared chunks, loaded only when the code needing them runs.
//   dist/index.js, dist/configstore.js       the library, split into dist/chunks/ (one copy of each
//                                            class however both entry points are imported).
// Bundling the pure-JS dependencies means `npx` installs this package and the native keychain
// binding (EXTERNAL), not forty packages. `--external-deps` builds the layout before bundling
// (one split build, every dependency from node_modules), which `npm run bench` compares against.
//
//   --js-only        skip the declarations (the test script uses it: tsc is slow and `npm run lint` types)
//   --external-deps  leave every dependency external
//   --outdir DIR     build into DIR instead of dist/ (the benchmark builds beside the working tree)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** Dependencies that stay `import`ed from node_modules: the native keychain binding (per-platform binaries). */
const EXTERNAL = ["@napi-rs/keyring"];
/** Stands for `dist/vendor/` in import paths until the files are written (then each gets its relative path). */
const VENDOR = "__cak_vendor__/";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const args = process.argv.slice(2);
const jsOnly = args.includes("--js-only");
const externalDeps = args.includes("--external-deps");
const outdirIndex = args.indexOf("--outdir");
if (outdirIndex >= 0 && !args[outdirIndex + 1]) {
  console.error("build: --outdir needs a directory");
  process.exit(2);
}
const outdir = outdirIndex >= 0 ? resolve(args[outdirIndex + 1]) : join(root, "dist");

const common = {
  absWorkingDir: root,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: false,
  legalComments: "none",
  define: { __PACKAGE_VERSION__: JSON.stringify(version) },
  logLevel: "warning",
};
const library = { index: "src/index.ts", configstore: "src/configstore/index.ts" };
const programs = { cli: "src/cli/main.ts" };
/** The programs that run before every install: CommonJS (see the header), `.cjs` in a `type: module` package. */
const hotPrograms = { token: "src/cli/token-entry.ts", "pnpm-token-helper": "src/cli/pnpm-token-helper.ts" };
const hotProgramOptions = {
  format: "cjs",
  outExtension: { ".js": ".cjs" },
  // CommonJS has no import.meta: the code that asks for its own URL gets it from __filename.
  define: { ...common.define, "import.meta.url": "__cakImportMetaUrl" },
  // "use strict" first: after the banner, esbuild's own directive would no longer be one.
  banner: {
    js: '"use strict"; const __cakImportMetaUrl = require("node:url").pathToFileURL(__filename).href;',
  },
};

rmSync(outdir, { recursive: true, force: true });

if (externalDeps) {
  await build({
    ...common,
    entryPoints: { ...library, ...programs },
    outdir,
    chunkNames: "chunks/[name]-[hash]",
    splitting: true,
    packages: "external",
  });
  await build({ ...common, ...hotProgramOptions, entryPoints: hotPrograms, outdir, packages: "external" });
} else {
  // Bundled CommonJS (commander, write-file-atomic, the SDK's CommonJS parts) calls `require` for
  // Node's built-ins and reads `__filename`: the output files that hold such code get those.
  const banner = [
    'import { createRequire as __cakCreateRequire } from "node:module";',
    'import { fileURLToPath as __cakFileURLToPath } from "node:url";',
    "const require = __cakCreateRequire(import.meta.url);",
    "const __filename = __cakFileURLToPath(import.meta.url);",
    'const __dirname = __cakFileURLToPath(new URL(".", import.meta.url));',
  ].join(" ");
  const bundled = {
    ...common,
    external: EXTERNAL,
    // The SDK's ES module builds: smaller than its CommonJS ones, and their exports are static.
    mainFields: ["module", "main"],
    metafile: true,
    write: false,
  };
  const vendored = new Set();
  const results = [
    await build({
      ...bundled,
      entryPoints: library,
      outdir,
      chunkNames: "chunks/[name]-[hash]",
      splitting: true,
      plugins: [vendorLazyPackages(vendored)],
    }),
    await build({ ...bundled, entryPoints: programs, outdir, plugins: [vendorLazyPackages(vendored)] }),
    await build({
      ...bundled,
      ...hotProgramOptions,
      entryPoints: hotPrograms,
      outdir,
      plugins: [vendorLazyPackages(vendored)],
    }),
  ];
  if (vendored.size > 0) {
    results.push(
      await build({
        ...bundled,
        entryPoints: Object.fromEntries([...vendored].map((name) => [vendorFile(name), `vendor:${name}`])),
        outdir: join(outdir, "vendor"),
        chunkNames: "chunks/[name]-[hash]",
        splitting: true,
        plugins: [vendorEntries(), commonJsNamedExports()],
        // Third-party code nobody reads in a stack trace: minified, it halves dist/vendor/.
        minify: true,
      }),
    );
  }
  for (const file of results.flatMap((result) => result.outputFiles)) {
    const fromHere = relative(dirname(file.path), join(outdir, "vendor")).split("\\").join("/");
    let text = file.text.replaceAll(`"${VENDOR}`, `"${fromHere.startsWith(".") ? "" : "./"}${fromHere}/`);
    const esm = !file.path.endsWith(".cjs");
    if (esm && /\b(?:__require|__filename|__dirname)\b|\btypeof require\b/.test(text))
      text = `${banner}\n${text}`;
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, text);
  }
  writeThirdPartyLicenses(results.map((result) => result.metafile));
}

if (!jsOnly) {
  const tsc = spawnSync(
    process.execPath,
    [
      join(root, "node_modules/typescript/bin/tsc"),
      "-p",
      "tsconfig.build.json",
      "--declarationDir",
      join(outdir, "types"),
    ],
    { cwd: root, stdio: "inherit" },
  );
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}

/** `@aws-sdk/client-sts` → `aws-sdk-client-sts` (the file under dist/vendor/, without `.js`). */
function vendorFile(name) {
  return name.replace(/^@/, "").replaceAll("/", "-");
}

function isExternal(name) {
  return EXTERNAL.some((external) => name === external || name.startsWith(`${external}/`));
}

/**
 * A third-party package that src/ imports with `await import()` is loaded from dist/vendor/ (built
 * once, shared by the library and the programs); a static import is bundled where it is used.
 */
function vendorLazyPackages(vendored) {
  return {
    name: "vendor-lazy-packages",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.kind !== "dynamic-import" || isBuiltin(args.path) || isExternal(args.path)) return;
        vendored.add(args.path);
        return { path: `${VENDOR}${vendorFile(args.path)}.js`, external: true };
      });
    },
  };
}

/** `vendor:yaml`: an entry point re-exporting the package as `import()` of it from Node would. */
function vendorEntries() {
  return {
    name: "vendor-entries",
    setup(build) {
      build.onResolve({ filter: /^vendor:/ }, (args) => ({
        path: args.path.slice("vendor:".length),
        namespace: "vendor",
      }));
      build.onLoad({ filter: /.*/, namespace: "vendor" }, async (args) => {
        const found = await build.resolve(args.path, { kind: "import-statement", resolveDir: root });
        if (found.errors.length > 0) return { errors: found.errors };
        return { contents: reExports(found.path, args.path), resolveDir: root, loader: "js" };
      });
    },
  };
}

/**
 * `await import("yaml")` gives Node's named exports of a CommonJS package (`{ parseDocument }`), but a
 * CommonJS module that esbuild splits into its own chunk only has `default`. For each dynamic import
 * of a bundled CommonJS package, this puts a small ES module in between that re-exports its names, so
 * the bundle behaves as Node does and src/ can keep writing `const { parse } = await import("dotenv")`.
 */
function commonJsNamedExports() {
  return {
    name: "commonjs-named-exports",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.kind !== "dynamic-import" || args.pluginData?.inner || isBuiltin(args.path)) return;
        if (isExternal(args.path)) return;
        const found = await build.resolve(args.path, {
          kind: "dynamic-import",
          resolveDir: args.resolveDir,
          pluginData: { inner: true },
        });
        if (found.errors.length > 0 || found.external || !isCommonJs(found.path)) return;
        return { path: found.path, namespace: "commonjs-named-exports" };
      });
      build.onLoad({ filter: /.*/, namespace: "commonjs-named-exports" }, (args) => ({
        contents: reExports(args.path, args.path),
        resolveDir: dirname(args.path),
        loader: "js",
      }));
    },
  };
}

/** An ES module exporting what `import(specifier)` gives in Node, for the package file at `file`. */
function reExports(file, specifier) {
  const from = JSON.stringify(specifier);
  if (!isCommonJs(file)) return `export * from ${from};\n`;
  const names = Object.keys(createRequire(file)(file)).filter(
    (name) => name !== "default" && /^[A-Za-z_$][\w$]*$/.test(name),
  );
  return `const m = require(${from});\nexport default m;\nexport const { ${names.join(", ")} } = m;\n`;
}

/** Whether esbuild treats `file` as CommonJS: `.cjs`, or a `.js` without ES module syntax outside a `type: module` package. */
function isCommonJs(file) {
  if (file.endsWith(".cjs")) return true;
  if (!file.endsWith(".js")) return false;
  // Node's rule: the nearest package.json decides; "module" makes `.js` an ES module.
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (!existsSync(manifest)) continue;
    if (JSON.parse(readFileSync(manifest, "utf8")).type === "module") return false;
    break;
  }
  return !/^\s*(?:import\s*[\w{*"']|export\s)/m.test(readFileSync(file, "utf8"));
}

/**
 * The licenses of the bundled packages (MIT, ISC, Apache-2.0, BSD ask that their notice travels with
 * the code): one file, each distinct text once, followed by the packages it covers.
 */
function writeThirdPartyLicenses(metafiles) {
  const packages = new Map();
  for (const input of metafiles.flatMap((metafile) => Object.keys(metafile.inputs))) {
    // Inputs from a plugin's namespace (`vendor:…`) are the same files again.
    const match = /^(?![\w-]+:)(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (!match) continue;
    const dir = join(root, match[1]);
    if (packages.has(dir)) continue;
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const file = readdirSync(dir).find((name) => /^(licen[cs]e|copying)/i.test(name));
    const text = file ? readFileSync(join(dir, file), "utf8").trim() : `License: ${manifest.license}`;
    packages.set(dir, { name: `${manifest.name}@${manifest.version}`, text });
  }
  const byText = new Map();
  for (const { name, text } of [...packages.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    byText.set(text, [...(byText.get(text) ?? []), name]);
  }
  const sections = [...byText].map(([text, names]) => `${names.join("\n")}\n\n${text}\n`);
  writeFileSync(
    join(outdir, "THIRD-PARTY-LICENSES.txt"),
    `Third-party code bundled into dist/ by scripts/build.mjs (${packages.size} packages).\n\n${sections.join(`\n${"-".repeat(78)}\n\n`)}`,
  );
}
