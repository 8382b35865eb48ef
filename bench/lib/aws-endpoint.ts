// The loopback AWS endpoint as its own process (test/support/aws/main.ts): it listens on
// 127.0.0.1, prints one line per API call, and exits when our pipe to its stdin closes, so it never
// outlives the benchmark. Running it in another process keeps its work off the measured clock.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { TEST_CREDENTIALS } from "../../test/support/aws/index.js";
import { waitForLine } from "../../test/support/processes.js";

export interface AwsEndpoint {
  url: string;
  /** Calls of `operation` received so far (reported by the endpoint every 50 ms: call `settle` first). */
  calls(operation: string): number;
  /** Of those, the ones refused with ThrottlingException (past the rate given to `startAwsEndpoint`). */
  throttled(operation: string): number;
  /** Waits until the endpoint has reported every call made so far. */
  settle(): Promise<void>;
  stop(): Promise<void>;
  /** AWS settings for a process that should talk to this endpoint only, with the test keys. */
  env(): Record<string, string>;
}

/** `throttle`: calls per second per operation before ThrottlingException (`{ GetAuthorizationToken: 40 }`). */
export async function startAwsEndpoint(
  root: string,
  throttle: Record<string, number> = {},
): Promise<AwsEndpoint> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "test/support/aws/main.ts")], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/",
      FAKE_AWS_THROTTLE: Object.entries(throttle)
        .map(([operation, rate]) => `${operation}=${rate}`)
        .join(","),
    },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const first = await waitForLine(child.stdout, /"url"/, 30_000, "the loopback AWS endpoint");
  const url = (JSON.parse(first) as { url: string }).url;
  const counts = new Map<string, number>();
  const refused = new Map<string, number>();
  createInterface({ input: child.stdout }).on("line", (line) => {
    const { call, throttled } = JSON.parse(line) as { call?: string; throttled?: boolean };
    if (call) counts.set(call, (counts.get(call) ?? 0) + 1);
    if (call && throttled) refused.set(call, (refused.get(call) ?? 0) + 1);
  });
  return {
    url,
    calls: (operation) => counts.get(operation) ?? 0,
    throttled: (operation) => refused.get(operation) ?? 0,
    settle: () => new Promise((resolve) => setTimeout(resolve, 200)),
    async stop() {
      child.stdin.end();
      await exited;
    },
    env: () => ({
      AWS_ENDPOINT_URL: url,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_REGION: "us-east-1",
      AWS_EC2_METADATA_DISABLED: "true",
    }),
  };
}
