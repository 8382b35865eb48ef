// The fleet scenario (issue 19): N runners, each a separate `codeartifact-login token` process with a
// fresh HOME (an empty cache, as every CI job starts), first each minting its own token against a
// CodeArtifact endpoint that throttles GetAuthorizationToken at the documented 40/s, then each reading
// the one token `codeartifact-login publish` stored in Secrets Manager. Counts come from the
// endpoint; the wall time runs from the first start until the last runner has its token.
import { isolatedHome } from "../test/support/tmp.js";
import { startAwsEndpoint } from "./lib/aws-endpoint.js";
import { runProcess } from "./lib/measure.js";

export interface FleetOptions {
  root: string;
  /** The built bin to run (`bin/codeartifact-login.js` of the package measured). */
  bin: string;
  sizes: readonly number[];
  /** Runner processes alive at once. */
  concurrency: number;
  /** GetAuthorizationToken calls per second before ThrottlingException. */
  rate: number;
  /**
   * A lower quota for a second minting phase, so that this machine's runners outrun it as a real
   * fleet outruns 40/s; run for rounds of up to `scaledUpTo` runners (it takes N / scaledRate seconds).
   */
  scaledRate: number;
  scaledUpTo: number;
  registryUrl: string;
  log(message: string): void;
  /** Called with the report so far after each round (a long run keeps what it measured). */
  onRound?(report: FleetReport): void;
}

export interface FleetPhase {
  /** GetAuthorizationToken calls the endpoint received (publish's own call not counted). */
  mintCalls: number;
  /** Of those, refused with ThrottlingException. */
  throttled: number;
  /** Calls the SDK repeated after a throttle (calls beyond one per runner process). */
  sdkRetries: number;
  /** Runner processes that failed (throttled after the SDK's 3 attempts) and were run again, as a CI job retry would. */
  jobRetries: number;
  /** GetSecretValue calls. */
  storeReads: number;
  /** ms from the first runner's start until every runner has a token. */
  wallMs: number;
}

export interface FleetRound {
  runners: number;
  mint: FleetPhase;
  /** Minting against the scaled-down quota, when run. */
  scaled?: FleetPhase & { rate: number };
  read: FleetPhase;
}

export interface FleetReport {
  concurrency: number;
  rate: number;
  scaledRate: number;
  /** Runner processes started per second in the minting phase of the largest round (what this machine manages). */
  startRate: number;
  rounds: FleetRound[];
  /** Sizes still to run when the report was made. */
  pending: number[];
}

const STORE = "secretsmanager:ci/codeartifact";
/** Secrets Manager's documented GetSecretValue quota, per second. */
const SECRETS_MANAGER_RATE = 10_000;
/** A CI system retries a failed job; here a runner is run again up to this many times. */
const MAX_JOB_ATTEMPTS = 20;

async function runFleet(
  n: number,
  options: FleetOptions,
  env: (home: Record<string, string>) => Record<string, string>,
): Promise<{ wallMs: number; runs: number }> {
  let next = 0;
  let runs = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < n) {
      next += 1;
      const home = isolatedHome();
      for (let attempt = 1; ; attempt++) {
        runs += 1;
        const result = await runProcess({
          argv: [process.execPath, options.bin, "token", "--registry", options.registryUrl],
          env: env(home.env as Record<string, string>),
        });
        if (result.status === 0 && /^\S{100,}\n$/.test(result.stdout)) break;
        if (attempt >= MAX_JOB_ATTEMPTS || !/throttl/i.test(result.stderr)) {
          throw new Error(`a runner failed (exit ${result.status}, attempt ${attempt}):\n${result.stderr}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, n) }, worker));
  return { wallMs: Number(process.hrtime.bigint() - started) / 1e6, runs };
}

/** Every runner minting its own token against an endpoint that allows `rate` GetAuthorizationToken calls a second. */
async function mintPhase(
  n: number,
  rate: number,
  options: FleetOptions,
): Promise<FleetPhase & { startRate: number }> {
  const aws = await startAwsEndpoint(options.root, { GetAuthorizationToken: rate });
  try {
    options.log(
      `fleet: ${n} runners minting their own tokens (GetAuthorizationToken throttled at ${rate}/s)`,
    );
    const minted = await runFleet(n, options, (home) => ({ ...home, ...aws.env() }));
    await aws.settle();
    const mintCalls = aws.calls("GetAuthorizationToken");
    return {
      mintCalls,
      throttled: aws.throttled("GetAuthorizationToken"),
      sdkRetries: mintCalls - minted.runs,
      jobRetries: minted.runs - n,
      storeReads: aws.calls("GetSecretValue"),
      wallMs: minted.wallMs,
      startRate: minted.runs / (minted.wallMs / 1000),
    };
  } finally {
    await aws.stop();
  }
}

/** One publish, then every runner reading the published token. */
async function readPhase(n: number, options: FleetOptions): Promise<FleetPhase> {
  const aws = await startAwsEndpoint(options.root, {
    GetAuthorizationToken: options.rate,
    GetSecretValue: SECRETS_MANAGER_RATE,
  });
  try {
    const base = (home: Record<string, string>) => ({ ...home, ...aws.env() });
    const publisher = isolatedHome();
    const published = await runProcess({
      argv: [process.execPath, options.bin, "publish", "--to", STORE, "--registry", options.registryUrl],
      env: base(publisher.env as Record<string, string>),
    });
    if (published.status !== 0) throw new Error(`publish failed:\n${published.stderr}`);
    await aws.settle();
    const before = { calls: aws.calls("GetAuthorizationToken"), reads: aws.calls("GetSecretValue") };
    options.log(`fleet: ${n} runners reading the published token (token_from = ${STORE})`);
    const read = await runFleet(n, options, (home) => ({
      ...base(home),
      CODEARTIFACT_KEYRING_TOKEN_FROM: STORE,
    }));
    await aws.settle();
    return {
      mintCalls: aws.calls("GetAuthorizationToken") - before.calls,
      throttled: aws.throttled("GetSecretValue"),
      sdkRetries: aws.calls("GetSecretValue") - before.reads - read.runs,
      jobRetries: read.runs - n,
      storeReads: aws.calls("GetSecretValue") - before.reads,
      wallMs: read.wallMs,
    };
  } finally {
    await aws.stop();
  }
}

async function round(n: number, options: FleetOptions): Promise<FleetRound & { startRate: number }> {
  const { startRate, ...mint } = await mintPhase(n, options.rate, options);
  const scaled =
    n <= options.scaledUpTo
      ? { ...(await mintPhase(n, options.scaledRate, options)), rate: options.scaledRate }
      : undefined;
  const read = await readPhase(n, options);
  return { runners: n, mint, ...(scaled ? { scaled } : {}), read, startRate };
}

export async function fleetScenario(options: FleetOptions): Promise<FleetReport> {
  const report: FleetReport = {
    concurrency: options.concurrency,
    rate: options.rate,
    scaledRate: options.scaledRate,
    startRate: 0,
    rounds: [],
    pending: [...options.sizes],
  };
  for (const n of options.sizes) {
    const { startRate, ...result } = await round(n, options);
    report.rounds.push(result);
    report.startRate = startRate;
    report.pending.shift();
    options.onRound?.(report);
  }
  return report;
}

const MARK_START = "<!-- fleet:start -->";
const MARK_END = "<!-- fleet:end -->";

const seconds = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

/** The fleet section of BENCHMARKS.md (between markers, so `--only fleet` can replace it alone). */
export function renderFleet(report: FleetReport, when = new Date()): string {
  const first = report.rounds[0];
  const growth = (value: (r: FleetRound) => number, r: FleetRound) =>
    first && value(first) > 0 ? ` (${(value(r) / value(first)).toFixed(1)}×)` : "";
  const lines = [
    MARK_START,
    "## 8. A CI fleet: every runner minting, or one published token",
    "",
    `Each runner is a \`codeartifact-login token --registry URL\` process with a fresh HOME (an empty cache, as every`,
    `CI job starts), ${report.concurrency} at once on this machine. Minting: the endpoint throttles GetAuthorizationToken at`,
    `${report.rate}/s, CodeArtifact's documented quota; a runner whose SDK gives up after 3 attempts is run again, as a CI`,
    `job retry would. Published: one \`codeartifact-login publish --to ${STORE}\` first, then every runner has`,
    `\`token_from = ${STORE}\`. Wall time: from the first runner's start until every runner has a token.`,
    `Measured ${when.toISOString().replace(/\.\d+Z$/, "Z")} (\`npm run bench -- --only fleet\`).`,
    "",
    "| runners | way | GetAuthorizationToken calls | throttled | SDK retries | job retries | store reads | wall time |",
    "|---|---|---|---|---|---|---|---|",
  ];
  const row = (
    r: FleetRound,
    way: string,
    p: FleetPhase,
    pick: (x: FleetRound) => FleetPhase | undefined,
  ) => {
    const of = (value: (q: FleetPhase) => number) => (x: FleetRound) => {
      const phase = pick(x);
      return phase ? value(phase) : 0;
    };
    return `| ${r.runners} | ${way} | ${p.mintCalls}${
      p.mintCalls
        ? growth(
            of((q) => q.mintCalls),
            r,
          )
        : ""
    } | ${p.throttled} | ${p.sdkRetries} | ${p.jobRetries} | ${p.storeReads}${
      p.storeReads
        ? growth(
            of((q) => q.storeReads),
            r,
          )
        : ""
    } | ${seconds(p.wallMs)}${growth(
      of((q) => q.wallMs),
      r,
    )} |`;
  };
  for (const r of report.rounds) {
    lines.push(row(r, `each mints (quota ${report.rate}/s)`, r.mint, (x) => x.mint));
    if (r.scaled)
      lines.push(row(r, `each mints (quota scaled to ${r.scaled.rate}/s)`, r.scaled, (x) => x.scaled));
    lines.push(row(r, "token_from (published)", r.read, (x) => x.read));
  }
  if (report.pending.length > 0) {
    lines.push(
      `| ${report.pending.join(", ")} | not measured: the run was stopped before these rounds | | | | | | |`,
    );
  }
  lines.push(
    "",
    `(×: growth against the first round.) This 2-core machine starts about ${report.startRate.toFixed(1)} runner processes a`,
    `second, so ${report.startRate < report.rate ? `it stays under the ${report.rate}/s quota and minting is throttled little or not at all here; a fleet of` : "it reaches the quota; a fleet of"}`,
    `hosts starting thousands of jobs a minute passes it, and every call past it is a ThrottlingException. The rows with the`,
    `quota scaled to ${report.scaledRate}/s put this machine's runners in that position (its rate against the quota, as a fleet`,
    `${Math.round(report.rate / report.scaledRate)}× as fast against 40/s): throttles, SDK retries, failed jobs run again, and a wall time set by the quota. Minting grows`,
    "linearly with the fleet in calls and needs CodeArtifact permissions on every runner; the published token takes 0",
    "CodeArtifact calls and exactly 1 store read per runner, and Secrets Manager's documented quota is 10,000 GetSecretValue",
    "calls a second.",
    MARK_END,
  );
  return lines.join("\n");
}

/** `markdown` with its fleet section replaced by `section` (appended when it has none). */
export function spliceFleet(markdown: string, section: string): string {
  const start = markdown.indexOf(MARK_START);
  const end = markdown.indexOf(MARK_END);
  if (start >= 0 && end > start)
    return `${markdown.slice(0, start)}${section}${markdown.slice(end + MARK_END.length)}`;
  return `${markdown.trimEnd()}\n\n${section}\n`;
}
