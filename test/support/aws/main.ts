// Runs the loopback AWS endpoint as its own process (for the demo, the benchmark and manual tries):
// prints `{"url": …}` on the first stdout line, then one JSON line per call (`{"call", "throttled"}`),
// and exits when its stdin closes, so it never outlives whoever started it. FAKE_AWS_THROTTLE limits
// operations' rates: `GetAuthorizationToken=40,GetParameter=40`.
import { startFakeAws } from "./index.js";

const port = Number(process.env.FAKE_AWS_PORT ?? 0);
const throttle = Object.fromEntries(
  (process.env.FAKE_AWS_THROTTLE ?? "")
    .split(",")
    .filter((pair) => pair.includes("="))
    .map((pair) => {
      const [operation, rate] = pair.split("=");
      return [operation?.trim() as string, Number(rate)];
    }),
);
const aws = await startFakeAws({ port, throttle });
let reported = 0;
process.stdout.write(`${JSON.stringify({ url: aws.url })}\n`);
const timer = setInterval(() => {
  for (const call of aws.calls.slice(reported)) {
    process.stdout.write(
      `${JSON.stringify({ call: call.operation, ...(call.throttled ? { throttled: true } : {}) })}\n`,
    );
  }
  reported = aws.calls.length;
}, 50);
process.stdin.resume();
process.stdin.on("end", async () => {
  clearInterval(timer);
  await aws.close();
  process.exit(0);
});
