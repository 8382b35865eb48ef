// Every backend of the room runs the shared contract, against real files, real loopback SSM and
// Secrets Manager endpoints (the real AWS SDK, SigV4 verified) and real directories.
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { fromDockerSecrets } from "../../src/configstore/backends/docker-secrets.js";
import { fromDotenv } from "../../src/configstore/backends/dotenv.js";
import { fromEnv } from "../../src/configstore/backends/env.js";
import { fromMemory } from "../../src/configstore/backends/memory.js";
import { fromSecretsManager } from "../../src/configstore/backends/secrets-manager.js";
import { fromSsm } from "../../src/configstore/backends/ssm.js";
import { fromUserSecrets, initUserSecrets } from "../../src/configstore/backends/user-secrets.js";
import { type FakeAws, startFakeAws, TEST_CREDENTIALS } from "../support/aws/index.js";
import { makeTempDir } from "../support/tmp.js";
import { describeBackendContract } from "./backend-suite.js";
import { dotenvLine, subdir } from "./helpers.js";

// Registered at load time: the temp-dir helper adds its clean-up hook on first use.
const base = makeTempDir("cak-contract-");

describeBackendContract("memory", () => {
  const backend = fromMemory();
  return { backend, seed: (key, value) => backend.set(key, value) };
});

describeBackendContract("env (injected, with a prefix)", () => {
  const env: Record<string, string> = {};
  return {
    backend: fromEnv({ env, prefix: "APP_" }),
    seed: (key, value) => {
      env[`APP_${key}`] = value;
    },
  };
});

describeBackendContract("dotenv", () => {
  const path = join(subdir(base, "dotenv"), ".env");
  writeFileSync(path, "# a comment\nEXISTING=1\n");
  return {
    backend: fromDotenv({ path }),
    seed: (key, value) => appendFileSync(path, dotenvLine(key, value)),
  };
});

describeBackendContract("docker-secrets", () => {
  const dir = subdir(base, "secrets");
  return {
    backend: fromDockerSecrets({ dir }),
    // Docker writes the secret's bytes as given; a trailing newline (editors add one) is trimmed.
    seed: (key, value) => writeFileSync(join(dir, key), `${value}\n`),
  };
});

describeBackendContract("user-secrets", async () => {
  const projectDir = subdir(base, "project");
  const root = join(subdir(base, "home"), "user-secrets");
  await initUserSecrets({ projectDir, root });
  const backend = fromUserSecrets({ projectDir, root });
  return { backend, seed: (key, value) => backend.set(key, value) };
});

let aws: FakeAws;
beforeAll(async () => {
  aws = await startFakeAws();
});
afterAll(() => aws?.close());

let prefixCounter = 0;
describeBackendContract("ssm (real SDK, loopback endpoint)", () => {
  prefixCounter += 1;
  const prefix = `/contract/${prefixCounter}`;
  return {
    backend: fromSsm({ prefix, region: "us-east-1", endpoint: aws.url, credentials: TEST_CREDENTIALS }),
    // Seeded on the endpoint's side, so reading does not depend on the backend's own `set`.
    seed: (key, value) => {
      aws.ssm.set(`${prefix}/${key}`, { value, type: "SecureString", version: 1 });
    },
    supports: { emptySet: false },
  };
});

describeBackendContract("secretsmanager (real SDK, loopback endpoint)", () => {
  prefixCounter += 1;
  const prefix = `contract/${prefixCounter}`;
  return {
    backend: fromSecretsManager({
      prefix,
      region: "us-east-1",
      endpoint: aws.url,
      credentials: TEST_CREDENTIALS,
    }),
    seed: (key, value) => {
      const now = Date.now() / 1000;
      aws.secretsManager.set(`${prefix}/${key}`, { value, version: 1, createdAt: now, lastChangedAt: now });
    },
  };
});
