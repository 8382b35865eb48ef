// What the figures were measured on, and which peer tools are here.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  npm: string;
  date: string;
}

function output(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

export function describeMachine(npmEnv: NodeJS.ProcessEnv): Machine {
  let os = `${process.platform} ${output("uname", ["-r"]) ?? ""}`.trim();
  if (existsSync("/etc/os-release")) {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1];
    if (pretty) os = `${pretty}, kernel ${output("uname", ["-r"]) ?? "?"}`;
  }
  const npm = spawnSync("npm", ["--version"], { env: npmEnv, encoding: "utf8" }).stdout.trim();
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown CPU",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os,
    node: process.version,
    npm,
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  };
}

/**
 * Debian's awscli (`/usr/bin/aws` from the awscli package), never the `aws` first on PATH: here that
 * is a pyenv shim. Undefined, with the reason, when it is not installed.
 */
export function findAwsCli(): { path?: string; version?: string; reason?: string } {
  const listed = output("dpkg", ["-L", "awscli"])
    ?.split("\n")
    .find((line) => /\/bin\/aws$/.test(line));
  const path = listed ?? (existsSync("/usr/bin/aws") ? "/usr/bin/aws" : undefined);
  if (!path) {
    return { reason: "Debian's awscli is not installed (apt-get install awscli; .ci/run does)" };
  }
  const version = output(path, ["--version"]);
  if (!version) return { reason: `${path} --version failed` };
  return { path, version: version.split(" ")[0] };
}
