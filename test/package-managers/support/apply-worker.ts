// One process of the concurrency test: waits for a shared start time, then writes one registry's
// token into the shared file through the real lock.
import { applyNpmrcEdits } from "../../../src/package-managers/npmrc.js";

const [file, registryUrl, token, startAt] = process.argv.slice(2);
if (!file || !registryUrl || !token || !startAt) {
  process.stderr.write("usage: apply-worker FILE REGISTRY_URL TOKEN START_AT_MS\n");
  process.exit(2);
}
const wait = Number(startAt) - Date.now();
if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
await applyNpmrcEdits(file, [{ kind: "set-token", registryUrl, token }], { env: process.env });
