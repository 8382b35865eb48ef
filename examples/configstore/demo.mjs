#!/usr/bin/env node
// A tour of codeartifact-keyring/configstore: one chain of five backends, first hit wins, `${}`
// references resolved through the whole chain, a config file loaded with them, and secrets that stay
// redacted. Everything lives in a temp dir that is removed at the end.
//
//   node scripts/build.mjs && node examples/configstore/demo.mjs
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConfigStore,
  fromDockerSecrets,
  fromDotenv,
  fromEnv,
  fromMemory,
  fromUserSecrets,
  initUserSecrets,
  interpolate,
  isSensitiveKey,
  parseConfigText,
  Secret,
} from "codeartifact-keyring/configstore";

const work = mkdtempSync(join(tmpdir(), "configstore-demo-"));
try {
  // The project: a .env with ordinary settings (user secrets add their id to it below).
  const projectDir = join(work, "project");
  mkdirSync(projectDir);
  writeFileSync(join(projectDir, ".env"), "DB_HOST=db.local\nDB_USER=app\nLOG_LEVEL=debug\n");

  // A Docker secrets directory, as a container runtime mounts it at /run/secrets.
  const secretsDir = join(work, "run-secrets");
  mkdirSync(secretsDir);
  writeFileSync(join(secretsDir, "DB_PASSWORD"), "pw-from-docker-secret\n");

  // User secrets: kept outside the project; .env only gets USER_SECRETS_ID=<uuid>.
  const root = join(work, "home", ".config", "codeartifact-keyring", "user-secrets");
  await initUserSecrets({ projectDir, root });
  const userSecrets = fromUserSecrets({ projectDir, root });
  await userSecrets.set("API_TOKEN", "tok-from-user-secrets");

  // The chain, highest priority first. The environment is injected so the demo is reproducible.
  const store = new ConfigStore([
    fromEnv({ prefix: "DEMO_", env: { DEMO_LOG_LEVEL: "info" } }),
    fromDotenv({ path: join(projectDir, ".env") }),
    fromDockerSecrets({ dir: secretsDir }),
    userSecrets,
    fromMemory({ LOG_LEVEL: "warn", DB_PORT: "5432", API_TOKEN: "never-used" }, { name: "defaults" }),
  ]);

  console.log(`1. First hit wins: ${store.backends.map((b) => b.name).join(" > ")}`);
  for (const key of ["LOG_LEVEL", "DB_HOST", "DB_PASSWORD", "API_TOKEN", "DB_PORT"]) {
    const { value, source } = await store.getWithSource(key);
    const shown = isSensitiveKey(key) ? new Secret(value) : value; // never print a secret
    console.log(`   ${key.padEnd(12)} ${String(shown).padEnd(12)} from ${source}`);
  }

  console.log("\n2. ${} references resolve through the whole chain, not only the environment:");
  console.log(
    `   ${await interpolate("postgres://${DB_USER}@${DB_HOST}:${DB_PORT}/app?log=${LOG_LEVEL}", store)}`,
  );
  console.log(`   ${await interpolate("pool=${POOL_SIZE:-10}, literal $${NOT_A_REFERENCE}", store)}`);

  console.log("\n3. A config file loaded with the store; sensitive values come back as Secret:");
  const config = await parseConfigText(
    [
      "[database]",
      "url = postgres://${DB_USER}:${DB_PASSWORD}@${DB_HOST}:${DB_PORT}/app",
      "pool = ${POOL_SIZE:-10}",
      "[api]",
      "token = ${API_TOKEN}",
      "",
    ].join("\n"),
    "ini",
    { file: "app.cfg", store },
  );
  console.log("   console.log   ->", config);
  console.log("   JSON          ->", JSON.stringify(config));
  console.log("   .reveal()     ->", config.database.url.reveal().replace(/:[^:@]+@/, ":<shown only here>@"));

  console.log("\n4. A missing reference names the reference, where it stood, and what was searched:");
  try {
    await parseConfigText("[database]\nreplica = ${REPLICA_HOST}\n", "ini", { file: "app.cfg", store });
  } catch (error) {
    console.log(`   ${error.name} (${error.code}): ${error.message}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
