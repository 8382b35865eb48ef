// Proves: the programmatic API. Run: npx tsx examples/api/get-token.ts <registry URL>
// The token is a `Secret`: printing it shows [redacted]; `.reveal()` gives the value.
import {
  getAuthorizationToken,
  listCachedTokens,
  parseRegistryUrl,
  resolveRegistry,
} from "codeartifact-keyring";

const registry =
  process.argv[2] ?? "https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/";

// Coordinates from the URL (undefined for a registry that is not CodeArtifact-shaped).
console.log(parseRegistryUrl(registry));

// Which settings apply, and where each came from (the same explanation `diagnose` prints).
const resolved = await resolveRegistry(registry);
console.log(resolved.selection.applied, resolved.identity.description);

// The token: from the cache when fresh, else from GetAuthorizationToken (then cached).
const { token, expiresAt, source } = await getAuthorizationToken(registry, {
  onWarning: (message) => console.warn(message),
});
console.log(`${token}`, source, expiresAt?.toISOString()); // "[redacted]", never the value
const header = { authorization: `Bearer ${token.reveal()}` };
void header;

// What is cached, without token values.
console.log((await listCachedTokens()).tokens.map((t) => `${t.domain} until ${t.expiresAt.toISOString()}`));
