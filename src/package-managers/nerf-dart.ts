// npm keys credentials by the "nerf dart" of a registry URL: the URL without its scheme, cut back to
// the last `/` (npm resolves "." against it), so `https://host/npm/repo/` gives `//host/npm/repo/`.
import { normalizeRegistryUrl } from "../codeartifact/registry-url.js";
import { PackageManagerError } from "./errors.js";

/**
 * The nerf dart of `url` exactly as npm computes it: scheme, query and fragment dropped, default port
 * dropped, host lowercased, path cut back to its last `/`. Note npm's quirk: a URL without a trailing
 * slash loses its last segment (`https://h/npm/repo` → `//h/npm/`); use {@link registryNerfDart} for
 * registry URLs.
 *
 * @throws {PackageManagerError} `REGISTRY_URL_INVALID` when `url` is not an absolute URL.
 * @example
 * toNerfDart("https://d-111122223333.d.codeartifact.us-east-1.amazonaws.com:443/npm/repo/")
 * // → "//d-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/repo/"
 */
export function toNerfDart(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new PackageManagerError(
      "REGISTRY_URL_INVALID",
      `\`${url}\` is not an absolute URL: expected https://host/path/`,
      { cause },
    );
  }
  const base = new URL(".", `${parsed.protocol}//${parsed.host}${parsed.pathname}`);
  return `//${base.host}${base.pathname}`;
}

/**
 * The nerf dart of a registry: the URL is first made canonical (trailing slash added, `:443` dropped,
 * nerf darts and bare hosts accepted), so `https://h/npm/repo` and `//h/npm/repo/` both give
 * `//h/npm/repo/`, the key npm looks up for requests to that repository.
 */
export function registryNerfDart(registryUrl: string): string {
  return toNerfDart(normalizeRegistryUrl(registryUrl));
}
