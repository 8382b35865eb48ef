import { join } from "node:path";
import { BackendError } from "../errors.js";
import { FileRefusedError, readFileBounded } from "../text-file.js";
import type { Backend } from "../types.js";

export interface DockerSecretsOptions {
  /** Where the runtime mounts secrets, one file per secret. @default "/run/secrets" */
  dir?: string;
}

/** Docker secrets are small; anything larger is not a secret file. */
const MAX_SECRET_BYTES = 1024 * 1024;

/**
 * Docker (and Kubernetes, Podman) secrets: the file `<dir>/<key>` holds the value. The whole file is
 * the value, with one trailing newline removed. An absent file or directory means "not here"; an
 * unreadable file is a failure. A key that cannot name a file in `dir` (`a/b`, `..`, `a\b`) is never
 * here, so no lookup can escape the directory, and SSM-style names (`/app/x`) pass on to later backends.
 *
 * @example
 * fromDockerSecrets().get("db_password")   // the content of /run/secrets/db_password
 */
export function fromDockerSecrets(options: DockerSecretsOptions = {}): Backend {
  const dir = options.dir ?? "/run/secrets";
  return {
    name: "docker-secrets",
    async get(key) {
      if (!isFileName(key)) return undefined;
      let bytes: Buffer;
      try {
        bytes = readFileBounded(join(dir, key), MAX_SECRET_BYTES);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return undefined;
        if (error instanceof FileRefusedError) {
          throw new BackendError("docker-secrets", key, {
            reason:
              error.refusal === "directory"
                ? `\`${join(dir, key)}\` is a directory, not a file.`
                : `\`${join(dir, key)}\` ${error.what}.`,
            hint:
              error.refusal === "too-large"
                ? "Check that the secret is mounted at the right place."
                : "Check the secret's mount and permissions.",
          });
        }
        throw new BackendError("docker-secrets", key, {
          cause: error,
          hint: "Check the secret's mount and permissions.",
        });
      }
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
      } catch (error) {
        throw new BackendError("docker-secrets", key, {
          cause: error,
          reason: `\`${join(dir, key)}\` is not UTF-8 text.`,
          hint: "Store the secret as text (base64-encode binary values).",
        });
      }
      return text.replace(/\r?\n$/, "");
    },
  };
}

function isFileName(key: string): boolean {
  return key !== "" && key !== "." && key !== ".." && !/[/\\\0]/.test(key);
}
