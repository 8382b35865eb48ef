// A real Secret Service per test (gnome-keyring in a private D-Bus session, test/support), so the token
// cache lives in a keychain and no token needs to touch the user's disk. CI installs gnome-keyring, so
// there these tests never skip; elsewhere they skip and say why.
import { afterEach } from "vitest";
import {
  type SecretService,
  secretServiceUnavailable,
  startSecretService,
} from "../../support/secret-service.js";

/** Why the keychain tests cannot run here (never in CI: there a missing keyring must fail), or undefined. */
export function keychainSkipReason(): string | undefined {
  const reason = secretServiceUnavailable();
  if (reason && !process.env.CI) {
    console.log(`skipping e2e flows that need an OS keychain: ${reason}`);
    return reason;
  }
  return undefined;
}

/** Starts a Secret Service for the current test; it stops after the test. Returns the env to add. */
export function useKeychainPerTest(): () => Promise<Record<string, string>> {
  const running: SecretService[] = [];
  afterEach(async () => {
    for (const service of running.splice(0)) await service.stop();
  });
  return async () => {
    const service = await startSecretService();
    running.push(service);
    return { ...service.env };
  };
}
