// What a token may look like before anything caches, prints, masks or writes it. A token comes from
// places that may be hostile or broken (an endpoint, an environment variable, a config value, a cache
// file), and it is printed where shells, CI runners and npm interpret text: a newline is a second
// `.npmrc` line or a second `::add-mask::` workflow command, a `$(…)` runs under `eval`.
//
// The rule is RFC 6750's b64token, the grammar of a Bearer credential (which is how npm sends it):
// letters, digits and `- . _ ~ + /`, then optional `=` padding. CodeArtifact's tokens are JWE compact
// serialisations (base64url parts joined by dots), about 1.2 KB: well inside it.

/** The longest token accepted: 8 KiB, the header line limit of common proxies (nginx's 8k buffers). */
export const MAX_TOKEN_LENGTH = 8192;
/** The expiry of a fetched token may not pass its fetch time by more than 12 h (CodeArtifact's maximum) plus this. */
export const EXPIRY_SKEW_SECONDS = 300;
export const MAX_TOKEN_LIFETIME_SECONDS = 12 * 3600;

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Why `value` cannot be a token, in words that never quote it; undefined when it can. */
export function tokenProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return `it is a ${value === null ? "null" : typeof value}, not text`;
  if (value === "") return "it is empty";
  if (value.length > MAX_TOKEN_LENGTH)
    return `it is ${value.length} characters long, at most ${MAX_TOKEN_LENGTH} are accepted`;
  if (/^\d+$/.test(value)) return "it is a number";
  if (!B64TOKEN.test(value)) {
    const index = value.search(/[^A-Za-z0-9\-._~+/=]/);
    const at = index >= 0 ? index : value.indexOf("=");
    const char = value.charCodeAt(at);
    const what =
      char === 10 || char === 13
        ? "a line break"
        : char < 32 || char === 127
          ? "a control character"
          : char === 32
            ? "a space"
            : char > 127
              ? "a non-ASCII character"
              : index >= 0
                ? "a character outside the token alphabet"
                : "`=` before the end";
    return `it holds ${what} at position ${at + 1}; tokens are letters, digits and \`- . _ ~ + /\` with \`=\` only at the end`;
  }
  return undefined;
}
