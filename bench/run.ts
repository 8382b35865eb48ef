// `npm run bench`: builds the package, packs and installs it as users get it, starts the loopback
// CodeArtifact endpoint, and times whole processes on this machine. Prints the results and writes
// them to BENCHMARKS.md (not with --quick). Timing claims in this project come from here only.
//
//   --quick        fewer rounds, to try the benchmark out; prints, does not write BENCHMARKS.md
//   --own-runner   time with the built-in runner even when hyperfine is installed
//   --no-awscli    skip the comparison with `aws codeartifact login`
//   --only fleet   only the fleet scenario (8), on the checkout's build; replaces its section of
//                  BENCHMARKS.md and leaves the rest as it is (also BENCH_ONLY=fleet)
//   --fleet-sizes 50,200,1000   runners per round of the fleet scenario
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { secretServiceUnavailable, startSecretService } from "../test/support/secret-service.js";
import { isolatedHome, makeTempDir } from "../test/support/tmp.js";
import { type FleetReport, fleetScenario, renderFleet, spliceFleet } from "./fleet.js";
import { type AwsEndpoint, startAwsEndpoint } from "./lib/aws-endpoint.js";
import { describeMachine, findAwsCli } from "./lib/machine.js";
import {
  type Command,
  chooseRunner,
  measureGroup,
  peakMemory,
  peakMemoryMethod,
  type Runner,
  runProcess,
  type Stats,
  stats,
} from "./lib/measure.js";
import { type BuiltPackage, buildAndStage, packAndInstall } from "./lib/package.js";
import { type Report, renderReport } from "./lib/report.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const WORK = join(ROOT, ".bench");
const FLAGS = ["--quick", "--own-runner", "--no-awscli"];
const VALUED = ["--only", "--fleet-sizes"];
const args = new Set<string>();
const values = new Map<string, string>();
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i] as string;
  const [name, inline] = arg.includes("=")
    ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
    : [arg];
  if (VALUED.includes(name as string)) {
    const value = inline ?? argv[++i];
    if (!value) {
      console.error(`bench: ${name} needs a value`);
      process.exit(2);
    }
    values.set(name as string, value);
  } else if (FLAGS.includes(arg)) {
    args.add(arg);
  } else {
    console.error(`bench: unknown argument ${arg} (use ${[...FLAGS, ...VALUED].join(", ")})`);
    process.exit(2);
  }
}
const quick = args.has("--quick");
const only = values.get("--only") ?? process.env.BENCH_ONLY;
if (only !== undefined && only !== "fleet") {
  console.error(`bench: --only ${only}: the scenario that runs alone is \`fleet\``);
  process.exit(2);
}
const FLEET_SIZES = (values.get("--fleet-sizes") ?? (quick ? "20,50" : "50,200,1000")).split(",").map(Number);
if (FLEET_SIZES.some((n) => !Number.isInteger(n) || n < 1)) {
  console.error("bench: --fleet-sizes takes whole numbers of runners, as 50,200,1000");
  process.exit(2);
}
/** Runner processes at once in the fleet scenario: enough to keep both cores busy while others wait on I/O. */
const FLEET_CONCURRENCY = 16;
/** CodeArtifact's documented GetAuthorizationToken quota, per second and region. */
const FLEET_RATE = 40;
/** The quota scaled down to what this machine's runners can outrun (40/s ÷ 20), for rounds up to 200 runners. */
const FLEET_SCALED_RATE = 2;

/** Rounds × runs per round (+ warm-up runs, first round only) for each kind of scenario. */
const PLAN = quick
  ? { warm: [3, 3, 2], cold: [2, 1, 1], many: 2, parallel: 2, memory: 1 }
  : { warm: [10, 5, 3], cold: [5, 2, 1], many: 5, parallel: 5, memory: 3 };

const OWNER = "111122223333";
const REGION = "us-east-1";
const registryUrl = (domain: string, repository: string) =>
  `https://${domain}-${OWNER}.d.codeartifact.${REGION}.amazonaws.com/npm/${repository}/`;
const URL = registryUrl("corp", "store");
const node = process.execPath;

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

/** What every scenario uses. */
interface Bench {
  runner: Runner;
  aws: AwsEndpoint;
  bundled: BuiltPackage;
  external: BuiltPackage;
  scratch: string;
  /** Records a part that could not run, and says so now. */
  skip(reason: string): void;
  /** Registers something to stop when the benchmark ends. */
  onStop(stop: () => Promise<void>): void;
}

/** GetAuthorizationToken (or `operation`) calls the endpoint has answered so far. */
async function callsOf(bench: Bench, operation = "GetAuthorizationToken"): Promise<number> {
  await bench.aws.settle();
  return bench.aws.calls(operation);
}

/** Runs a command once and fails the benchmark unless it exits 0 and `problem` finds nothing wrong. */
async function check(command: Command, problem: (stdout: string, stderr: string) => string | undefined) {
  const result = await runProcess(command);
  const wrong = result.status !== 0 ? `exit ${result.status}` : problem(result.stdout, result.stderr);
  if (wrong) throw new Error(`${command.name}: ${wrong}\n${result.stderr}`);
  return result;
}

const isToken = (stdout: string) => (/^\S{100,}\n$/.test(stdout) ? undefined : "no token on stdout");
const isHeader = (stdout: string) => (/^Bearer \S{100,}\n$/.test(stdout) ? undefined : "no `Bearer` line");

/** 1-3: `node -e 0`, then `token` and the pnpm helper on a cache hit, in the file store and the keychain. */
async function startup(bench: Bench) {
  log("scenarios 1-3: warm `token` and pnpm helper (cache hit)");
  const { bundled, external, aws } = bench;
  const fileEnv = { ...isolatedHome().env, ...aws.env() };
  // For reference: what merely being an ES module costs (this package is made of them).
  const emptyModule = join(bench.scratch, "empty.cjs");
  writeFileSync(emptyModule, "");
  const commands: Command[] = [
    { name: "floor", argv: [node, "-e", "0"], env: fileEnv },
    { name: "empty-module", argv: [node, emptyModule], env: fileEnv },
    { name: "token-file", argv: [node, bundled.bin, "token", "--registry", URL], env: fileEnv },
    { name: "helper-file", argv: [node, bundled.helper, URL], env: fileEnv },
    { name: "token-file-external", argv: [node, external.bin, "token", "--registry", URL], env: fileEnv },
    { name: "helper-file-external", argv: [node, external.helper, URL], env: fileEnv },
  ];
  const named = (name: string) => commands.find((c) => c.name === name) as Command;
  const before = await callsOf(bench);
  const first = await check(named("token-file"), isToken);
  if (!/caching tokens in .*files readable only by you/.test(first.stderr)) {
    throw new Error(`the file-store scenario did not use the file store:\n${first.stderr}`);
  }
  const noKeychain = secretServiceUnavailable();
  if (noKeychain) {
    bench.skip(`the keychain store (scenarios 2-3): ${noKeychain}`);
  } else {
    const service = await startSecretService();
    bench.onStop(() => service.stop());
    const keychainEnv = { ...isolatedHome().env, ...aws.env(), ...service.env };
    commands.push(
      { name: "token-keychain", argv: [node, bundled.bin, "token", "--registry", URL], env: keychainEnv },
      { name: "helper-keychain", argv: [node, bundled.helper, URL], env: keychainEnv },
    );
    const populated = await check(named("token-keychain"), isToken);
    if (!/caching tokens in the Secret Service/.test(populated.stderr)) {
      throw new Error(`the keychain scenario did not use the keychain:\n${populated.stderr}`);
    }
  }
  const ours = commands.filter((c) => c.name !== "floor" && c.name !== "empty-module");
  for (const command of ours) await check(command, command.name.startsWith("helper") ? isHeader : isToken);
  const fetched = (await callsOf(bench)) - before;
  const [rounds, runsPerRound, warmup] = PLAN.warm as [number, number, number];
  const samples = await measureGroup(bench.runner, commands, {
    rounds,
    runsPerRound,
    warmup,
    scratch: bench.scratch,
  });
  const calls = (await callsOf(bench)) - before - fetched;
  const loaded: Record<string, string[]> = {};
  for (const command of ours) loaded[command.name] = await loadedFiles(command);
  return { commands, samples, calls, loaded };
}

/** 4: cold login for one registry (both layouts) against `aws codeartifact login --tool npm`. */
async function coldLogin(bench: Bench, noAwsCli: boolean) {
  log("scenario 4: cold login, and `aws codeartifact login --tool npm`");
  const { aws } = bench;
  const commands: Command[] = [];
  for (const pkg of [bench.bundled, bench.external]) {
    const home = isolatedHome();
    const cache = home.path("token-cache");
    commands.push({
      name: `login-${pkg.variant}`,
      argv: [node, pkg.bin, "--registry", URL],
      env: { ...home.env, ...aws.env(), CODEARTIFACT_KEYRING_CACHE_DIR: cache },
      cwd: makeTempDir("cak-bench-project-"),
      clean: [cache, home.path(".npmrc")],
    });
  }
  const awsCli = noAwsCli ? { reason: "--no-awscli was given" } : findAwsCli();
  if (awsCli.path) {
    const home = isolatedHome();
    commands.push({
      name: "aws-login",
      argv: [
        awsCli.path,
        ...["codeartifact", "login", "--tool", "npm", "--domain", "corp", "--domain-owner", OWNER],
        ...["--repository", "store", "--endpoint-url", aws.url],
      ],
      // awscli runs `npm config set` three times: without an update check over the network.
      env: { ...home.env, ...aws.env(), npm_config_update_notifier: "false" },
      cwd: makeTempDir("cak-bench-project-"),
      clean: [home.path(".npmrc")],
    });
  } else {
    bench.skip(`the comparison with the aws CLI (scenario 4): ${awsCli.reason}`);
  }
  const calls: Record<string, { token: number; endpoint: number }> = {};
  for (const command of commands) {
    const [token, endpoint] = [await callsOf(bench), await callsOf(bench, "GetRepositoryEndpoint")];
    for (const path of command.clean ?? []) rmSync(path, { recursive: true, force: true });
    await check(command, () => {
      const npmrc = join(command.env.HOME as string, ".npmrc");
      return existsSync(npmrc) && /:_authToken=\S{100,}/.test(readFileSync(npmrc, "utf8"))
        ? undefined
        : "no token line in ~/.npmrc";
    });
    calls[command.name] = {
      token: (await callsOf(bench)) - token,
      endpoint: (await callsOf(bench, "GetRepositoryEndpoint")) - endpoint,
    };
  }
  const [rounds, runsPerRound, warmup] = PLAN.cold as [number, number, number];
  const samples = await measureGroup(bench.runner, commands, {
    rounds,
    runsPerRound,
    warmup,
    scratch: bench.scratch,
  });
  return { commands, samples, calls, awsCli: awsCli.version };
}

/** 5: `codeartifact-login` in a project whose .npmrc names 10 registries in 3 domains, cold cache. */
async function manyRegistries(bench: Bench) {
  log("scenario 5: login for 10 registries in 3 domains");
  const registries = [
    ...["npm", "libs", "tools", "ui"].map((r) => registryUrl("alpha", r)),
    ...["npm", "libs", "tools"].map((r) => registryUrl("beta", r)),
    ...["npm", "libs", "tools"].map((r) => registryUrl("gamma", r)),
  ];
  const project = makeTempDir("cak-bench-project-");
  writeFileSync(join(project, ".npmrc"), registries.map((url, i) => `@scope${i}:registry=${url}\n`).join(""));
  const home = isolatedHome();
  const cache = home.path("token-cache");
  const command: Command = {
    name: "login-10-registries",
    argv: [node, bench.bundled.bin],
    env: { ...home.env, ...bench.aws.env(), CODEARTIFACT_KEYRING_CACHE_DIR: cache },
    cwd: project,
    clean: [cache, home.path(".npmrc")],
  };
  const samples: number[] = [];
  const calls: number[] = [];
  for (let round = 0; round < PLAN.many; round++) {
    const before = await callsOf(bench);
    samples.push(...(await bench.runner.time(command, 1, 0, bench.scratch)));
    calls.push((await callsOf(bench)) - before);
  }
  const tokenLines = readFileSync(home.path(".npmrc"), "utf8")
    .split("\n")
    .filter((line) => /:_authToken=\S{100,}$/.test(line)).length;
  return { stats: stats(samples), calls, registries: registries.length, tokenLines };
}

/** 6: 32 `token` processes started at once on a cold cache: wall time until the last exits. */
async function parallelTokens(bench: Bench, processes = 32) {
  log(`scenario 6: ${processes} parallel \`token\` calls on a cold cache`);
  const home = isolatedHome();
  const cache = home.path("token-cache");
  const env = { ...home.env, ...bench.aws.env(), CODEARTIFACT_KEYRING_CACHE_DIR: cache };
  const samples: number[] = [];
  const calls: number[] = [];
  const distinctTokens: number[] = [];
  for (let round = 0; round < PLAN.parallel; round++) {
    rmSync(cache, { recursive: true, force: true });
    const before = await callsOf(bench);
    const started = process.hrtime.bigint();
    const results = await Promise.all(
      Array.from({ length: processes }, () =>
        runProcess({ argv: [node, bench.bundled.bin, "token", "--registry", URL], env }),
      ),
    );
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    const failed = results.find((r) => r.status !== 0);
    if (failed) throw new Error(`a parallel token call failed (exit ${failed.status}):\n${failed.stderr}`);
    distinctTokens.push(new Set(results.map((r) => r.stdout)).size);
    calls.push((await callsOf(bench)) - before);
  }
  return { stats: stats(samples), calls, distinctTokens, processes };
}

// Lists what a process loaded: ES modules through a resolve hook, CommonJS files (and the keychain's
// native binding) from the require cache at exit. Node's own modules are left out.
const RESOLVE_HOOK = `data:text/javascript,${encodeURIComponent(
  "export async function resolve(specifier, context, next) { const r = await next(specifier, context); if (r.url.startsWith('file:')) process.stderr.write('loaded-file:' + r.url + '\\n'); return r; }",
)}`;
const LIST_LOADED = `data:text/javascript,${encodeURIComponent(
  [
    'import { register, createRequire } from "node:module";',
    'import { pathToFileURL } from "node:url";',
    `register(${JSON.stringify(RESOLVE_HOOK)});`,
    "const cache = createRequire(`${process.cwd()}/`).cache; // the one CommonJS cache",
    "process.on('exit', () => { for (const file of Object.keys(cache)) process.stderr.write('loaded-file:' + pathToFileURL(file).href + '\\n'); });",
  ].join("\n"),
)}`;

/** The files a command's process loads from its package and dependencies: `dist/token.cjs`, `@napi-rs/keyring/index.js`. */
async function loadedFiles(command: Command): Promise<string[]> {
  const argv = [command.argv[0] as string, `--import=${LIST_LOADED}`, ...command.argv.slice(1)];
  const result = await runProcess({ ...command, argv });
  if (result.status !== 0) throw new Error(`${command.name}: listing loaded files failed:\n${result.stderr}`);
  const files = result.stderr
    .split("\n")
    .filter((line) => line.startsWith("loaded-file:"))
    .map((line) => fileURLToPath(line.slice("loaded-file:".length)))
    .map((path) => {
      const inPackage = /[\\/](?:codeartifact-keyring|package)[\\/]((?:bin|dist)[\\/].*)$/.exec(path);
      if (inPackage) return inPackage[1] as string;
      const dependency = /.*node_modules[\\/](.*)$/.exec(path);
      return dependency ? (dependency[1] as string) : path;
    });
  return [...new Set(files)];
}

function fleet(bin: string, onRound?: (report: FleetReport) => void): Promise<FleetReport> {
  log(`scenario 8: a fleet of ${FLEET_SIZES.join(", ")} runners, minting and reading a published token`);
  return fleetScenario({
    root: ROOT,
    bin,
    sizes: FLEET_SIZES,
    concurrency: FLEET_CONCURRENCY,
    rate: FLEET_RATE,
    scaledRate: FLEET_SCALED_RATE,
    scaledUpTo: 200,
    registryUrl: URL,
    log,
    ...(onRound ? { onRound } : {}),
  });
}

/** `--only fleet`: the checkout's build, the fleet scenario, and its section of BENCHMARKS.md. */
async function onlyFleet(): Promise<void> {
  log("building the checkout (node scripts/build.mjs --js-only)");
  const built = spawnSync(node, [join(ROOT, "scripts", "build.mjs"), "--js-only"], { stdio: "inherit" });
  if (built.status !== 0) throw new Error("the build failed");
  const file = join(ROOT, "BENCHMARKS.md");
  // Written after every round: a run stopped during the 1,000-runner round keeps the smaller ones.
  const write = (report: FleetReport) => {
    if (quick) return;
    writeFileSync(file, spliceFleet(readFileSync(file, "utf8"), renderFleet(report)));
    log(
      `wrote the fleet section of BENCHMARKS.md (${report.rounds.map((r) => r.runners).join(", ")} runners)`,
    );
  };
  const section = renderFleet(await fleet(join(ROOT, "bin", "codeartifact-login.js"), write));
  process.stdout.write(`${section}\n`);
  if (quick) log("--quick: BENCHMARKS.md left as it is");
}

async function main(): Promise<void> {
  if (only === "fleet") return onlyFleet();
  mkdirSync(WORK, { recursive: true });
  const scratch = makeTempDir("cak-bench-");
  const skipped: string[] = [];
  const skip = (reason: string) => {
    skipped.push(reason);
    log(`skipped: ${reason}`);
  };
  // npm with a HOME of its own (this machine's ~/.npmrc has settings npm warns about), the user's
  // download cache (installs measure the package, not the network) and no update check.
  const npmHome = isolatedHome();
  const npmCache = spawnSync("npm", ["config", "get", "cache"], { encoding: "utf8" }).stdout.trim();
  const npmEnv = {
    ...npmHome.env,
    npm_config_cache: npmCache || npmHome.path(".npm"),
    npm_config_update_notifier: "false",
  };
  const machine = describeMachine(npmEnv);
  const { runner, reason: noHyperfine } = chooseRunner({ ownRunner: args.has("--own-runner") });
  if (noHyperfine) skip(`hyperfine: ${noHyperfine}; the own runner measured instead`);

  log("building both layouts (bundled: as published; external: every dependency from node_modules)");
  const bundledStaged = await buildAndStage(ROOT, WORK, "bundled");
  // The declarations are the same for both layouts: tsc runs once.
  const typesDir = join(bundledStaged.staged, "dist", "types");
  const externalStaged = await buildAndStage(ROOT, WORK, "external", typesDir);
  log("packing each layout and installing the tarball into an empty project");
  const [bundled, external] = [bundledStaged, externalStaged].map((pkg) => {
    const installed = packAndInstall(pkg, npmEnv, scratch);
    if (installed.footprint.installError) {
      skip(
        `installing the ${pkg.variant} tarball: ${installed.footprint.installError}; its timings ran the staged package (dependencies from this checkout's node_modules)`,
      );
    }
    return installed;
  }) as [BuiltPackage, BuiltPackage];

  const stops: (() => Promise<void>)[] = [];
  try {
    const aws = await startAwsEndpoint(ROOT);
    stops.push(() => aws.stop());
    const bench: Bench = {
      runner,
      aws,
      bundled,
      external,
      scratch,
      skip,
      onStop: (stop) => stops.push(stop),
    };

    const warm = await startup(bench);
    const cold = await coldLogin(bench, args.has("--no-awscli"));
    const many = await manyRegistries(bench);
    const parallel = await parallelTokens(bench);
    const fleetReport = await fleet(bundled.bin);

    log("scenario 7: peak memory of scenarios 2 and 4");
    const method = peakMemoryMethod();
    const memory: Report["memory"]["results"] = [];
    const tokens = warm.commands.filter((c) => c.name === "token-file" || c.name === "token-keychain");
    for (const command of [...tokens, ...cold.commands]) {
      memory.push({ name: command.name, ...(await peakMemory(command, PLAN.memory, method)) });
    }

    const collect = (samples: Map<string, number[]>): Record<string, Stats> =>
      Object.fromEntries([...samples].map(([name, times]) => [name, stats(times)]));
    const report = renderReport({
      machine,
      runner: runner.description,
      skipped,
      warm: collect(warm.samples),
      warmCalls: warm.calls,
      loaded: warm.loaded,
      cold: collect(cold.samples),
      coldCalls: cold.calls,
      ...(cold.awsCli ? { awsCli: cold.awsCli } : {}),
      many,
      parallel,
      memory: { method, results: memory },
      packages: { bundled, external },
      plan: PLAN,
    });
    const text = spliceFleet(report, renderFleet(fleetReport));
    process.stdout.write(`${text}\n`);
    if (quick) {
      log("--quick: BENCHMARKS.md left as it is");
    } else {
      writeFileSync(join(ROOT, "BENCHMARKS.md"), text);
      log("wrote BENCHMARKS.md");
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  }
}

await main();
