// The end of a program (the CLI, the pnpm token helper) when native work it no longer waits for is
// still running. Small on purpose: the pnpm helper loads it on every install.
import { hungKeychainCalls } from "../configstore/backends/keychain.js";

/**
 * The exit code, or, when a keychain call is still blocked in the native binding (a D-Bus bus that
 * never answers), an exit right away once stdout and stderr are flushed: that call would otherwise
 * hold the finished process until libdbus gives up.
 */
export async function exitIfKeychainHung(code: number): Promise<number> {
  if (hungKeychainCalls() === 0) return code;
  await new Promise<void>((resolve) =>
    process.stdout.write("", () => process.stderr.write("", () => resolve())),
  );
  process.exit(code);
}
