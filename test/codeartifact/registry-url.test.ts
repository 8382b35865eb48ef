import { describe, expect, it } from "vitest";
import { InvalidRegistryUrlError } from "../../src/codeartifact/errors.js";
import {
  insecureRegistryUrlProblem,
  isLoopbackHost,
  makeTarget,
  normalizeRegistryUrl,
  parseRegistryUrl,
} from "../../src/codeartifact/registry-url.js";

const STD = "my-domain-111122223333.d.codeartifact.us-east-1.amazonaws.com";

describe("parseRegistryUrl: valid CodeArtifact forms", () => {
  it.each([
    [
      "standard",
      `https://${STD}/npm/my-repo/`,
      ["my-domain", "111122223333", "us-east-1", "my-repo"],
      `https://${STD}/npm/my-repo/`,
    ],
    [
      "missing trailing slash",
      `https://${STD}/npm/my-repo`,
      ["my-domain", "111122223333", "us-east-1", "my-repo"],
      `https://${STD}/npm/my-repo/`,
    ],
    [
      "explicit :443",
      `https://${STD}:443/npm/my-repo/`,
      ["my-domain", "111122223333", "us-east-1", "my-repo"],
      `https://${STD}/npm/my-repo/`,
    ],
    [
      "upper-case host",
      `https://${STD.toUpperCase()}/npm/my-repo/`,
      ["my-domain", "111122223333", "us-east-1", "my-repo"],
      `https://${STD}/npm/my-repo/`,
    ],
    [
      "nerf dart",
      `//${STD}/npm/my-repo/`,
      ["my-domain", "111122223333", "us-east-1", "my-repo"],
      `https://${STD}/npm/my-repo/`,
    ],
    [
      "no scheme",
      `${STD}/npm/my-repo/`,
      ["my-domain", "111122223333", "us-east-1", "my-repo"],
      `https://${STD}/npm/my-repo/`,
    ],
    [
      "China partition",
      "https://corp-123456789012.d.codeartifact.cn-north-1.amazonaws.com.cn/npm/npm-store/",
      ["corp", "123456789012", "cn-north-1", "npm-store"],
      "https://corp-123456789012.d.codeartifact.cn-north-1.amazonaws.com.cn/npm/npm-store/",
    ],
    [
      "GovCloud region",
      "https://gov-123456789012.d.codeartifact.us-gov-west-1.amazonaws.com/npm/repo/",
      ["gov", "123456789012", "us-gov-west-1", "repo"],
      "https://gov-123456789012.d.codeartifact.us-gov-west-1.amazonaws.com/npm/repo/",
    ],
    [
      "dual-stack on.aws",
      "https://my-domain-111122223333.codeartifact.eu-west-1.on.aws/npm/repo/",
      ["my-domain", "111122223333", "eu-west-1", "repo"],
      "https://my-domain-111122223333.codeartifact.eu-west-1.on.aws/npm/repo/",
    ],
    [
      "VPC endpoint",
      "https://vpce-0123abcd-wxyz9876.d.codeartifact.us-west-2.vpce.amazonaws.com/npm/d/my-domain-111122223333/my-repo/",
      ["my-domain", "111122223333", "us-west-2", "my-repo"],
      "https://vpce-0123abcd-wxyz9876.d.codeartifact.us-west-2.vpce.amazonaws.com/npm/d/my-domain-111122223333/my-repo/",
    ],
    [
      "hyphenated domain with digits",
      "https://a-b-c9-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/repo/",
      ["a-b-c9", "111122223333", "us-east-1", "repo"],
      "https://a-b-c9-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/repo/",
    ],
    [
      "repository with dots, underscores and hyphens",
      `https://${STD}/npm/Team_A.npm-store.v2/`,
      ["my-domain", "111122223333", "us-east-1", "Team_A.npm-store.v2"],
      `https://${STD}/npm/Team_A.npm-store.v2/`,
    ],
  ])("%s", (_name, input, [domain, domainOwner, region, repository], registryUrl) => {
    expect(parseRegistryUrl(input)).toEqual({ domain, domainOwner, region, repository, registryUrl });
  });
});

describe("parseRegistryUrl: other registries are not CodeArtifact", () => {
  it.each([
    "https://registry.npmjs.org/",
    "http://127.0.0.1:4873/npm/repo/",
    "https://npm.pkg.github.com/",
    "https://codeartifact.example.com/npm/repo/",
    "https://my-domain-111122223333.d.codeartifact.us-east-1.amazonaws.com.evil.example/npm/repo/",
    "not a url at all ::",
  ])("%s", (input) => {
    expect(parseRegistryUrl(input)).toBeUndefined();
  });
});

describe("parseRegistryUrl: CodeArtifact hosts that break the rules name the bad part", () => {
  it.each([
    [
      "underscore in domain",
      `https://my_domain-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/r1/`,
      "domain `my_domain` is not valid",
    ],
    [
      "upper-case letters are folded by URL, but a leading digit is not allowed",
      `https://1domain-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/r1/`,
      "domain `1domain` is not valid",
    ],
    [
      "domain ending in a hyphen",
      `https://dom--111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/r1/`,
      "domain `dom-` is not valid",
    ],
    [
      "11-digit owner",
      `https://dom-11112222333.d.codeartifact.us-east-1.amazonaws.com/npm/r1/`,
      "domain owner `11112222333` is not valid",
    ],
    ["no owner", `https://domain.d.codeartifact.us-east-1.amazonaws.com/npm/r1/`, "names no domain owner"],
    [
      "bad region",
      `https://dom-111122223333.d.codeartifact.useast1.amazonaws.com/npm/r1/`,
      "region `useast1` is not valid",
    ],
    ["repository too short", `https://${STD}/npm/r/`, "repository `r` is not valid"],
    ["repository starting with a dot", `https://${STD}/npm/.repo/`, "repository `.repo` is not valid"],
    ["pypi path", `https://${STD}/pypi/repo/simple/`, "`/pypi/` is not the npm format"],
    ["maven path", `https://${STD}/maven/repo/`, "`/maven/` is not the npm format"],
    ["no repository", `https://${STD}/npm/`, "the path must be /npm/REPOSITORY/"],
    ["tarball path", `https://${STD}/npm/repo/pkg/-/pkg-1.0.0.tgz`, "the path must be /npm/REPOSITORY/"],
    ["empty segment", `https://${STD}/npm//repo/`, "the path must be /npm/REPOSITORY/"],
    ["other port", `https://${STD}:8443/npm/repo/`, "port 8443"],
    // npm keys a token by the URL without its scheme: one written for http:// would go out in clear.
    ["plain http", `http://${STD}/npm/my-repo/`, "plain http would send the token unencrypted: use https://"],
    ["plain http, upper case", `HTTP://${STD}/npm/my-repo/`, "plain http would send the token unencrypted"],
    ["credentials", `https://u:p@${STD}/npm/repo/`, "credentials do not belong"],
    ["query", `https://${STD}/npm/repo/?x=1`, "no query"],
    [
      "near-miss host (missing .d)",
      `https://dom-111122223333.x.codeartifact.us-east-1.amazonaws.com/npm/repo/`,
      "the host must be",
    ],
    [
      "VPC endpoint without /d/",
      `https://vpce-1-2.d.codeartifact.us-east-1.vpce.amazonaws.com/npm/repo/`,
      "/npm/d/DOMAIN-OWNER/REPOSITORY/",
    ],
  ])("%s", (_name, input, expected) => {
    let error: unknown;
    try {
      parseRegistryUrl(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidRegistryUrlError);
    expect((error as Error).message).toContain(expected);
    expect((error as Error).message).toContain(input);
    expect((error as InvalidRegistryUrlError).code).toBe("INVALID_REGISTRY_URL");
  });
});

describe("normalizeRegistryUrl", () => {
  it.each([
    ["http://127.0.0.1:4873/npm/repo", "http://127.0.0.1:4873/npm/repo/"],
    ["https://Registry.Example.com:443/a/b/", "https://registry.example.com/a/b/"],
    ["http://localhost:80/", "http://localhost/"],
    ["//registry.example.com/x/", "https://registry.example.com/x/"],
    ["https://registry.example.com/x/?q=1#h", "https://registry.example.com/x/"],
  ])("%s → %s", (input, expected) => {
    expect(normalizeRegistryUrl(input)).toBe(expected);
  });

  it("rejects a non-http scheme", () => {
    expect(() => normalizeRegistryUrl("ftp://example.com/")).toThrow("is not a registry URL");
  });
});

describe("makeTarget", () => {
  it("validates explicit coordinates for a proxy URL", () => {
    expect(
      makeTarget({
        registryUrl: "http://127.0.0.1:4873/npm/repo",
        domain: "my-domain",
        domainOwner: "111122223333",
        region: "us-east-1",
        repository: "repo",
      }),
    ).toMatchObject({ registryUrl: "http://127.0.0.1:4873/npm/repo/" });
  });
  it("names the bad coordinate", () => {
    expect(() =>
      makeTarget({
        registryUrl: "http://x/",
        domain: "d",
        domainOwner: "1",
        region: "us-east-1",
        repository: "repo",
      }),
    ).toThrow("domain `d` is not valid");
  });
});

describe("plain http is for loopback hosts only", () => {
  it.each(["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "[::1]", "::1"])("%s is loopback", (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  it.each(["128.0.0.1", "127.0.0.1.evil.example", "localhost.evil.example", "10.0.0.1", "[::2]", "0.0.0.0"])(
    "%s is not loopback",
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );

  it.each([
    ["http://127.0.0.1:4873/npm/repo/", undefined],
    ["http://127.9.8.7/npm/repo/", undefined],
    ["http://localhost:4873/npm/repo/", undefined],
    ["http://[::1]:4873/npm/repo/", undefined],
    ["https://npm-proxy.corp.example/npm/repo/", undefined],
    ["http://npm-proxy.corp.example/npm/repo/", "uses plain http"],
    ["http://127.0.0.1.nip.io/npm/repo/", "uses plain http"],
  ])("%s", (url, problem) => {
    if (problem === undefined) expect(insecureRegistryUrlProblem(url)).toBeUndefined();
    else expect(insecureRegistryUrlProblem(url)).toContain(problem);
  });

  it("makeTarget refuses an http proxy that is not loopback, naming the URL", () => {
    const coordinates = {
      domain: "corp",
      domainOwner: "111122223333",
      region: "us-east-1",
      repository: "repo",
    };
    expect(() =>
      makeTarget({ ...coordinates, registryUrl: "http://npm-proxy.corp.example/npm/repo/" }),
    ).toThrow(/^`http:\/\/npm-proxy\.corp\.example\/npm\/repo\/` uses plain http, .*use https:\/\//);
    expect(makeTarget({ ...coordinates, registryUrl: "http://localhost:4873/npm/repo" }).registryUrl).toBe(
      "http://localhost:4873/npm/repo/",
    );
  });
});
