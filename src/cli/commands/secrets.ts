// `secrets`: the per-project user secrets of configstore. A value is never taken from argv (it would
// land in shell history and in `ps`): it comes from stdin, or a prompt that does not echo.
import { resolve } from "node:path";
import { isSecretStoreKind, SECRET_STORE_KINDS } from "../../configstore/backends/secret-store-formats.js";
import { fromUserSecrets, initUserSecrets } from "../../configstore/backends/user-secrets.js";
import { CodedError } from "../../configstore/errors.js";
import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";

interface SecretsFlags {
  project?: string;
  store?: string;
}

class SecretNotFoundError extends CodedError {
  override name = "SecretNotFoundError";
  constructor(message: string) {
    super("SECRET_NOT_FOUND", message);
  }
}

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

/** Asks on stderr and reads one line from a terminal without echoing it. */
async function promptHidden(question: string): Promise<string> {
  const { stdin, stderr } = process;
  stderr.write(question);
  stdin.setRawMode?.(true);
  stdin.resume();
  return new Promise((resolvePrompt, reject) => {
    let value = "";
    const done = (result: string | Error) => {
      stdin.setRawMode?.(false);
      stdin.pause();
      stdin.off("data", onData);
      stderr.write("\n");
      if (result instanceof Error) reject(result);
      else resolvePrompt(result);
    };
    const onData = (data: Buffer) => {
      for (const char of data.toString("utf8")) {
        if (char === "\r" || char === "\n") return done(value);
        if (char === "\u0003") return done(new Error("cancelled"));
        if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on("data", onData);
  });
}

export async function run(
  context: CommandContext,
  flags: SecretsFlags,
  args: string[],
  action: string,
): Promise<number> {
  const { out } = context;
  const projectDir = resolve(context.cwd, flags.project ?? ".");
  const store = flags.store ?? "native";
  if (!isSecretStoreKind(store)) {
    throw new UsageError(`--store \`${store}\` is not a secret store: use ${SECRET_STORE_KINDS.join(", ")}`);
  }
  const options = { projectDir, env: context.env, store };
  const secrets = fromUserSecrets(options);
  const [key] = args;

  switch (action) {
    case "init": {
      const result = await initUserSecrets(options);
      if (out.json) out.result(result);
      else
        out.info(
          result.created
            ? `linked ${projectDir} to user secrets ${result.id}: the id is in ${result.envFile}, the secrets will live in ${result.secretsFile}`
            : `already linked to user secrets ${result.id} (${result.secretsFile})`,
        );
      return 0;
    }
    case "set": {
      if (!(await secrets.info()).id) {
        throw new CodedError(
          "USER_SECRETS_NOT_INITIALISED",
          `${projectDir} has no user secrets yet: run \`codeartifact-login secrets init${store === "native" ? "" : ` --store ${store}`}\` first`,
        );
      }
      const raw = process.stdin.isTTY
        ? await promptHidden(`value for ${key}: `)
        : await readAll(process.stdin);
      // `echo value |` adds a newline nobody means to store.
      const value = raw.replace(/\r?\n$/, "");
      if (value === "") {
        throw new CodedError(
          "SECRET_EMPTY",
          `no value for ${key}: stdin was empty, and an empty secret is almost always a mistake; pipe the value in (\`printf %s VALUE | codeartifact-login secrets set ${key}\`); nothing was stored`,
        );
      }
      await secrets.set(key as string, value);
      out.info(`stored ${key} in ${(await secrets.info()).secretsFile}`);
      if (out.json) out.result({ key, stored: true });
      return 0;
    }
    case "get": {
      const value = await secrets.get(key as string);
      if (value === undefined) {
        throw new SecretNotFoundError(
          `no secret \`${key}\` for ${projectDir}: list them with \`codeartifact-login secrets list\``,
        );
      }
      out.mask(value);
      if (out.json) out.result({ key, value });
      else out.stdout(`${value}\n`);
      return 0;
    }
    case "list": {
      const all = await secrets.list();
      const names = Object.keys(all).sort();
      if (out.json) out.result({ keys: names });
      else if (names.length === 0) out.info(`no secrets for ${projectDir}`);
      else for (const name of names) out.stdout(`${name} = ********\n`);
      return 0;
    }
    case "delete": {
      const removed = await secrets.delete(key as string);
      if (out.json) out.result({ key, removed });
      else out.info(removed ? `deleted ${key}` : `no secret \`${key}\` to delete`);
      return 0;
    }
    case "clear": {
      const count = await secrets.clear();
      if (out.json) out.result({ removed: count });
      else out.info(`removed ${count} secret${count === 1 ? "" : "s"}`);
      return 0;
    }
    default: {
      const info = await secrets.info();
      if (out.json) out.result(info);
      else {
        out.stdout(`project:  ${info.projectDir}\n`);
        out.stdout(
          `.env:     ${info.envFile}${info.id ? ` (${info.idKey}=${info.id})` : ` (no id: run \`codeartifact-login secrets init${store === "native" ? "" : ` --store ${store}`}\`)`}\n`,
        );
        if (info.secretsFile) out.stdout(`secrets:  ${info.secretsFile} (${info.count})\n`);
      }
      return 0;
    }
  }
}
