// Runs the loopback AWS endpoint as its own process (for the demo, the benchmark and manual tries):
// prints `{"url": …}` on the first stdout line, then one JSON line per GetAuthorizationToken call,
// and exits when its stdin closes, so it never outlives whoever started it.
import { startFakeAws } from "./index.js";

const port = Number(process.env.FAKE_AWS_PORT ?? 0);
const aws = await startFakeAws({ port });
let reported = 0;
process.stdout.write(`${JSON.stringify({ url: aws.url })}\n`);
const timer = setInterval(() => {
  for (const call of aws.calls.slice(reported))
    process.stdout.write(`${JSON.stringify({ call: call.operation })}\n`);
  reported = aws.calls.length;
}, 50);
process.stdin.resume();
process.stdin.on("end", async () => {
  clearInterval(timer);
  await aws.close();
  process.exit(0);
});
