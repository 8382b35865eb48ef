// CodeArtifact's restJson1 wire protocol: GetAuthorizationToken and GetRepositoryEndpoint, as the
// AWS API model defines them. Errors carry their type in `x-amzn-errortype` and `{"message"}`.
import { randomBytes } from "node:crypto";
import type { AwsErrorShape, AwsRequest, AwsResponse, AwsService } from "./server.js";

export interface IssuedToken {
  token: string;
  domain: string;
  domainOwner: string;
  accessKeyId: string;
  /** The `duration` query parameter as sent, undefined when the SDK left it out. */
  durationSeconds: number | undefined;
  expiration: number;
}

export interface CodeArtifactState {
  /** Domains that exist, as `domain/owner`. Empty means every domain exists. */
  domains: Set<string>;
  /** Access key ids that get AccessDeniedException. */
  denied: Set<string>;
  /** Every token handed out, in order. */
  issued: IssuedToken[];
  /** Makes the token string; default: a random opaque string shaped like CodeArtifact's. */
  makeToken: (request: { domain: string; domainOwner: string; accessKeyId: string }) => string;
  /** Expiration (epoch seconds) for a token; default now + duration (12 h when absent, 1 h for 0). */
  expiration: (request: { durationSeconds: number | undefined; now: number }) => number;
  /** The endpoint GetRepositoryEndpoint answers. */
  repositoryEndpoint: (request: {
    domain: string;
    domainOwner: string;
    repository: string;
    region: string;
  }) => string;
}

export function defaultToken(): string {
  // Real tokens are ~1 KB JWE strings; the length matters for header and .npmrc handling.
  return `eyJ2ZXIiOjEsImlzdSI6${randomBytes(600).toString("base64url")}`;
}

export function createCodeArtifactService(overrides: Partial<CodeArtifactState> = {}): AwsService & {
  state: CodeArtifactState;
} {
  const state: CodeArtifactState = {
    domains: new Set(),
    denied: new Set(),
    issued: [],
    makeToken: defaultToken,
    expiration: ({ durationSeconds, now }) =>
      now + (durationSeconds === undefined ? 43_200 : durationSeconds === 0 ? 3_600 : durationSeconds),
    repositoryEndpoint: ({ domain, domainOwner, repository, region }) =>
      `https://${domain}-${domainOwner}.d.codeartifact.${region}.amazonaws.com/npm/${repository}/`,
    ...overrides,
  };

  const formatError = ({ status, code, message, headers }: AwsErrorShape): AwsResponse => ({
    status,
    headers: {
      "x-amzn-errortype": `${code}:http://internal.amazon.com/coral/com.amazonaws.codeartifact/`,
      ...headers,
    },
    json: { message },
  });

  const requireDomain = (request: AwsRequest): AwsResponse | { domain: string; domainOwner: string } => {
    const domain = request.query.get("domain") ?? "";
    const domainOwner = request.query.get("domain-owner") ?? "";
    if (state.denied.has(request.accessKeyId)) {
      return formatError({
        status: 403,
        code: "AccessDeniedException",
        message: `User: arn:aws:sts::${domainOwner}:assumed-role/x/${request.accessKeyId} is not authorized to perform: codeartifact:GetAuthorizationToken on resource: arn:aws:codeartifact:${request.region}:${domainOwner}:domain/${domain} because no identity-based policy allows the codeartifact:GetAuthorizationToken action`,
      });
    }
    if (state.domains.size > 0 && !state.domains.has(`${domain}/${domainOwner}`)) {
      return formatError({
        status: 404,
        code: "ResourceNotFoundException",
        message: `Domain '${domain}' not found in account '${domainOwner}'`,
      });
    }
    return { domain, domainOwner };
  };

  return {
    signingName: "codeartifact",
    // restJson1: CodeArtifact's ThrottlingException comes as 429.
    throttleStatus: 429,
    state,
    formatError,
    operation(request) {
      if (request.method === "POST" && request.path === "/v1/authorization-token")
        return "GetAuthorizationToken";
      if (request.method === "GET" && request.path === "/v1/repository/endpoint")
        return "GetRepositoryEndpoint";
      return undefined;
    },
    handle(operation, request) {
      const found = requireDomain(request);
      if (!("domain" in found)) return found;
      if (operation === "GetAuthorizationToken") {
        const duration = request.query.get("duration");
        const durationSeconds = duration === null ? undefined : Number(duration);
        if (
          durationSeconds !== undefined &&
          durationSeconds !== 0 &&
          (durationSeconds < 900 || durationSeconds > 43_200)
        ) {
          return formatError({
            status: 400,
            code: "ValidationException",
            message: "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint",
          });
        }
        const token = state.makeToken({ ...found, accessKeyId: request.accessKeyId });
        const expiration = state.expiration({ durationSeconds, now: Math.floor(Date.now() / 1000) });
        state.issued.push({ token, ...found, accessKeyId: request.accessKeyId, durationSeconds, expiration });
        return { json: { authorizationToken: token, expiration } };
      }
      const repository = request.query.get("repository") ?? "";
      return {
        json: {
          repositoryEndpoint: state.repositoryEndpoint({ ...found, repository, region: request.region }),
        },
      };
    },
  };
}
