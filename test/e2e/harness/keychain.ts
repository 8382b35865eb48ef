// A real Secret Service per test (gnome-keyring in a private D-Bus session, test/support), so the token
// cache lives in a keychain and no token needs to touch the user's disk. CI installs gnome-keyring, so
// there these tests never skip; elsewhere they skip and say why.
import { afterEach } from "vitest";
import { type SecretService, secretServiceSkip, startSecretService } from "../../support/secret-service.js";

/** Why the e2e flows that need an OS keychain are skipped here (never in CI), or undefined. */
export function keychainSkipReason(): string | undefined {
  return secretServiceSkip("e2e flows that need an OS keychain");
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
