// CodeArtifact npm endpoints and the name rules of the service (AWS API model), so that a typo in a
// registry URL is reported where it is instead of surfacing later as a 404 or a 401.
import { InvalidCoordinatesError, InvalidRegistryUrlError } from "./errors.js";

/** Where a token is for: one CodeArtifact repository, reached at `registryUrl`. */
export interface RegistryTarget {
  /** Canonical registry URL: lowercase host, no default port, trailing slash. */
  registryUrl: string;
  domain: string;
  /** The 12-digit AWS account that owns the domain. */
  domainOwner: string;
  region: string;
  repository: string;
}

const DOMAIN = /^[a-z][a-z0-9-]{0,48}[a-z0-9]$/;
const OWNER = /^\d{12}$/;
const REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9._-]{1,99}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

const RULES = {
  domain: "2-50 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen",
  domainOwner: "a 12-digit AWS account id",
  repository: "2-100 letters, digits, dots, underscores and hyphens, starting with a letter or digit",
  region: "an AWS region such as us-east-1",
} as const;

type Part = keyof typeof RULES;

const PATTERNS: Record<Part, RegExp> = {
  domain: DOMAIN,
  domainOwner: OWNER,
  repository: REPOSITORY,
  region: REGION,
};

const LABELS: Record<Part, string> = {
  domain: "domain",
  domainOwner: "domain owner",
  repository: "repository",
  region: "region",
};

/** The first part that breaks the service's rules, with the rule, or undefined when all are valid. */
export function checkCoordinates(parts: Partial<Record<Part, string>>): string | undefined {
  for (const part of Object.keys(PATTERNS) as Part[]) {
    const value = parts[part];
    if (value !== undefined && !PATTERNS[part].test(value)) {
      return `${LABELS[part]} \`${value}\` is not valid: it must be ${RULES[part]}`;
    }
  }
  return undefined;
}

// Host forms, derived from one list of partition DNS suffixes so that every form (standard, VPC
// endpoint, the "is this CodeArtifact at all" test) knows every partition. GovCloud shares
// amazonaws.com; China is amazonaws.com.cn. The `.d.` form is the standard one; `on.aws` is dual-stack.
const PARTITION_SUFFIXES = ["amazonaws.com", "amazonaws.com.cn"] as const;
const PARTITION = `(?:${PARTITION_SUFFIXES.map((suffix) => suffix.replaceAll(".", "\\.")).join("|")})`;
const STANDARD_HOST = new RegExp(
  `^(?<domainOwner>[^.]+)\\.d\\.codeartifact\\.(?<region>[^.]+)\\.${PARTITION}$`,
);
const DUALSTACK_HOST = /^(?<domainOwner>[^.]+)\.codeartifact\.(?<region>[^.]+)\.on\.aws$/;
const VPCE_HOST = new RegExp(`^vpce-[a-z0-9-]+\\.d\\.codeartifact\\.(?<region>[^.]+)\\.vpce\\.${PARTITION}$`);
/** Anything under these suffixes claims to be CodeArtifact and must follow its rules. */
const CODEARTIFACT_SUFFIX = new RegExp(
  `(?:^|\\.)codeartifact\\.[^.]+\\.(?:${PARTITION}|on\\.aws|vpce\\.${PARTITION})$`,
);

function toUrl(input: string): URL | undefined {
  const text = input.trim();
  // Accept what .npmrc files hold: full URLs, nerf darts (`//host/path/`) and bare hosts.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text)
    ? text
    : text.startsWith("//")
      ? `https:${text}`
      : `https://${text}`;
  try {
    return new URL(withScheme);
  } catch {
    return undefined;
  }
}

/**
 * The canonical form of any registry URL: lowercase host, no default port, path ending in a slash,
 * no query or fragment. Two spellings of one registry (`:443`, a missing slash) compare equal.
 */
export function normalizeRegistryUrl(input: string): string {
  const url = toUrl(input);
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new InvalidRegistryUrlError(
      input,
      `\`${input}\` is not a registry URL: expected https://host/path/`,
    );
  }
  const path = url.pathname.endsWith("/") ? url.pathname : `${url.pathname}/`;
  return `${url.protocol}//${url.host}${path}`;
}

function splitDomainOwner(url: string, value: string): { domain: string; domainOwner: string } {
  const match = value.match(/^(.*)-([^-]*)$/);
  if (!match) {
    throw new InvalidRegistryUrlError(
      url,
      `\`${url}\` names no domain owner: the host must start with DOMAIN-OWNER (e.g. my-domain-111122223333)`,
    );
  }
  return { domain: match[1] as string, domainOwner: match[2] as string };
}

/**
 * Reads a CodeArtifact npm endpoint URL.
 *
 * @returns the target, or `undefined` when the URL is not a CodeArtifact host (any other registry).
 * @throws {InvalidRegistryUrlError} when the host is CodeArtifact's but a part breaks the service's
 *   rules, or the path is not an npm repository path; the message names the bad part.
 * @example
 * parseRegistryUrl("https://my-domain-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/my-repo/")
 * // → { domain: "my-domain", domainOwner: "111122223333", region: "us-east-1", repository: "my-repo", registryUrl: … }
 */
export function parseRegistryUrl(input: string): RegistryTarget | undefined {
  const url = toUrl(input);
  if (!url) return undefined;
  const host = url.hostname.toLowerCase();
  if (!CODEARTIFACT_SUFFIX.test(host)) return undefined;

  const fail = (message: string): never => {
    throw new InvalidRegistryUrlError(input, `CodeArtifact registry URL \`${input}\`: ${message}`);
  };
  // npm keys a token by the URL without its scheme, so a token for `http://…` also goes out in clear.
  if (url.protocol === "http:") fail("plain http would send the token unencrypted: use https://");
  if (url.protocol !== "https:") fail("the scheme must be https");
  if (url.port && url.port !== "443")
    fail(`port ${url.port} is not CodeArtifact's (use https without a port)`);
  if (url.username || url.password) fail("credentials do not belong in the URL; remove `user:password@`");
  if (url.search || url.hash)
    fail("a registry URL has no query or fragment; remove the part after `?` or `#`");

  // "/npm/repo/" and "/npm/repo" both give ["npm", "repo"]; an empty inner segment stays and fails.
  const segments = url.pathname.replace(/^\//, "").replace(/\/$/, "").split("/");
  let parts: { domain: string; domainOwner: string; region: string; repository: string };
  const vpce = host.match(VPCE_HOST);
  if (vpce) {
    // VPC endpoint without private DNS: /npm/d/DOMAIN-OWNER/REPO/
    if (segments.length !== 4 || segments[0] !== "npm" || segments[1] !== "d") {
      fail("a VPC endpoint URL must have the path /npm/d/DOMAIN-OWNER/REPOSITORY/");
    }
    parts = {
      ...splitDomainOwner(input, segments[2] as string),
      region: vpce.groups?.region as string,
      repository: segments[3] as string,
    };
  } else {
    const hostMatch = host.match(STANDARD_HOST) ?? host.match(DUALSTACK_HOST);
    if (!hostMatch) {
      fail("the host must be DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com (or the on.aws / vpce forms)");
    }
    if (segments.length !== 2 || segments[0] !== "npm") {
      const format =
        segments[0] && segments[0] !== "npm" ? ` (\`/${segments[0]}/\` is not the npm format)` : "";
      fail(`the path must be /npm/REPOSITORY/${format}`);
    }
    parts = {
      ...splitDomainOwner(input, hostMatch?.groups?.domainOwner as string),
      region: hostMatch?.groups?.region as string,
      repository: segments[1] as string,
    };
  }
  const problem = checkCoordinates(parts);
  if (problem) fail(problem);
  return { ...parts, registryUrl: normalizeRegistryUrl(`https://${host}${url.pathname}`) };
}

/** True for a host that never leaves the machine: 127.0.0.0/8, `localhost` and `[::1]`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * Why a registry URL that is not CodeArtifact-shaped may not receive a token, or undefined when it may:
 * plain `http://` is for loopback hosts only (tests, a local proxy), as anywhere else the token would
 * cross the network in clear.
 */
export function insecureRegistryUrlProblem(registryUrl: string): string | undefined {
  const url = toUrl(registryUrl);
  if (url?.protocol !== "http:" || isLoopbackHost(url.hostname)) return undefined;
  return `\`${registryUrl}\` uses plain http, which would send the token unencrypted: use https:// (http is allowed for a loopback host only)`;
}

/**
 * A target for a registry that is not CodeArtifact-shaped (a proxy, a mirror, a loopback test
 * registry), from explicit coordinates.
 *
 * @throws {InvalidCoordinatesError} naming the coordinate that breaks the service's rules.
 * @throws {InvalidRegistryUrlError} for plain `http://` to a host that is not loopback.
 */
export function makeTarget(input: RegistryTarget): RegistryTarget {
  const problem = checkCoordinates(input);
  if (problem) throw new InvalidCoordinatesError(`${problem} (for registry ${input.registryUrl})`);
  const insecure = insecureRegistryUrlProblem(input.registryUrl);
  if (insecure) throw new InvalidRegistryUrlError(input.registryUrl, insecure);
  return { ...input, registryUrl: normalizeRegistryUrl(input.registryUrl) };
}
