// Looks for a secret in every regular file under some directories, as `grep -r` would: the proof that
// a flow left no token on disk.
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Files under `dirs` whose bytes contain `needle` (symlinks are not followed). */
export function filesContaining(dirs: readonly string[], needle: string): string[] {
  const found: string[] = [];
  const wanted = Buffer.from(needle);
  const walk = (path: string) => {
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(path);
    } catch {
      return; // removed meanwhile
    }
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) walk(join(path, name));
    } else if (stat.isFile() && stat.size >= wanted.length) {
      if (readFileSync(path).includes(wanted)) found.push(path);
    }
  };
  for (const dir of dirs) walk(dir);
  return found;
}
