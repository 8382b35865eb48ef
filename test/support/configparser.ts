// CPython's configparser, the reference parseIni follows (RawConfigParser with inline comment prefixes
// `#` and `;`, as python keyring reads keyringrc.cfg): many files go to ONE python3 process, and
// parseIni's answer comes in the same shape, so tests compare the two directly.
import { spawnSync } from "node:child_process";
import { parseIni } from "../../src/configstore/ini.js";

/** A parse, as both sides report it: sections in order with their entries, or a refusal. */
export type IniDump =
  | { ok: true; defaults: [string, string][]; sections: [string, [string, string][]][] }
  | { ok: false };

const SCRIPT = `
import configparser, io, json, sys
out = []
for text in json.loads(sys.stdin.read()):
    cp = configparser.RawConfigParser(inline_comment_prefixes=("#", ";"))
    try:
        # newline=None: universal newlines, as when configparser reads a file
        cp.read_file(io.StringIO(text, newline=None), source="<t>")
        out.append({"ok": True,
                    "defaults": [[k, v] for k, v in cp._defaults.items()],
                    "sections": [[n, [[k, v] for k, v in s.items()]] for n, s in cp._sections.items()]})
    except configparser.Error:
        out.append({"ok": False})
sys.stdout.write(json.dumps(out))
`;

/** Why the comparison cannot run here, or undefined when python3 with configparser is available. */
export function configparserUnavailable(): string | undefined {
  const probe = spawnSync("python3", ["-c", "import configparser, sys; print(sys.version_info[0])"], {
    encoding: "utf8",
  });
  return probe.status === 0 && probe.stdout.trim() === "3"
    ? undefined
    : "python3 (with configparser) is not on PATH";
}

/** configparser's reading of each text, from one python3 process. */
export function configparserDumps(texts: readonly string[]): IniDump[] {
  const run = spawnSync("python3", ["-c", SCRIPT], {
    input: JSON.stringify(texts),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as IniDump[];
}

/** parseIni's reading of `text` in configparser's shape (DEFAULT kept apart, as configparser does). */
export function parseIniDump(text: string): IniDump {
  try {
    const doc = parseIni(text);
    const defaults = doc.sections.find((s) => s.name === "DEFAULT");
    return {
      ok: true,
      defaults: defaults ? defaults.entries.map((e): [string, string] => [e.key, e.value]) : [],
      sections: doc.sections
        .filter((s) => s.name !== "DEFAULT")
        .map((s): [string, [string, string][]] => [
          s.name,
          s.entries.map((e): [string, string] => [e.key, e.value]),
        ]),
    };
  } catch {
    return { ok: false };
  }
}
