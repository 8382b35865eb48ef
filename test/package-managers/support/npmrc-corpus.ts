// .npmrc files shaped like the ones people have: written by `aws codeartifact login`, by hand on
// Windows, by dotfile managers, with other registries' tokens, `${VAR}` references and old sections.

export const CA_HOST = "corp-111122223333.d.codeartifact.us-east-1.amazonaws.com";
export const CA_URL = `https://${CA_HOST}/npm/npm-store/`;
export const CA_NERF = `//${CA_HOST}/npm/npm-store/`;
export const OTHER_URL = "https://other-444455556666.d.codeartifact.eu-west-1.amazonaws.com/npm/shared/";
export const OTHER_NERF = "//other-444455556666.d.codeartifact.eu-west-1.amazonaws.com/npm/shared/";

export interface CorpusFile {
  name: string;
  text: string;
}

export const CORPUS: CorpusFile[] = [
  { name: "empty", text: "" },
  {
    name: "aws codeartifact login (npm 8 era, with always-auth)",
    text: [
      `registry=${CA_URL}`,
      `${CA_NERF}:always-auth=true`,
      `${CA_NERF}:_authToken=eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.b2xk`,
      "",
    ].join("\n"),
  },
  {
    name: "commented CRLF file from Windows",
    text: [
      "; company npm settings",
      "# maintained by the platform team",
      "",
      "@corp:registry=https://npm.pkg.github.com/",
      "//npm.pkg.github.com/:_authToken=ghp_0123456789abcdefABCDEF",
      "save-exact=true",
      "",
    ].join("\r\n"),
  },
  {
    name: "no final newline",
    text: ["fund=false", "audit=false", "//registry.npmjs.org/:_authToken=npm_SECRETSECRET"].join("\n"),
  },
  {
    name: "duplicate keys (npm reads the last)",
    text: [
      `${CA_NERF}:_authToken=first-old-token`,
      "loglevel=warn",
      `${CA_NERF}:_authToken=second-old-token`,
      "",
    ].join("\n"),
  },
  {
    name: "env references",
    text: [
      "//registry.npmjs.org/:_authToken=${NPM_TOKEN}",
      `${OTHER_NERF}:_authToken=\${CODEARTIFACT_AUTH_TOKEN}`,
      "cache=${HOME}/.npm-cache",
      "",
    ].join("\n"),
  },
  {
    name: "token of this registry read from the environment",
    text: [`registry=${CA_URL}`, `${CA_NERF}:_authToken=\${CODEARTIFACT_AUTH_TOKEN}`, ""].join("\n"),
  },
  {
    name: "scoped registries and their tokens",
    text: [
      `@corp:registry=${CA_URL}`,
      `@shared:registry=${OTHER_URL}`,
      `${OTHER_NERF}:_authToken=other-domain-token`,
      "@fontawesome:registry=https://npm.fontawesome.com/",
      "//npm.fontawesome.com/:_authToken=FA-TOKEN",
      "",
    ].join("\n"),
  },
  {
    name: "whitespace around = and indentation",
    text: [
      `  registry = ${CA_URL}`,
      `${CA_NERF}:_authToken = spaced-old-token`,
      "\tstrict-ssl = true",
      "",
    ].join("\n"),
  },
  {
    name: "basic auth for the same nerf dart",
    text: [
      `${CA_NERF}:username=aws`,
      `${CA_NERF}:_password=c2VjcmV0`,
      `${CA_NERF}:_auth=YXdzOnNlY3JldA==`,
      `${CA_NERF}:email=me@example.com`,
      "",
    ].join("\n"),
  },
  {
    name: "old [section] at the end",
    text: ["registry=https://registry.npmjs.org/", "", "[legacy]", "key=value", ""].join("\n"),
  },
  {
    name: "only a comment, no newline",
    text: "# nothing here yet",
  },
  {
    name: "quoted values and inline comments",
    text: [
      'init-author-name="Jane Doe"',
      "init-license=MIT ; the default",
      "//registry.npmjs.org/:_authToken=npm_abc # personal",
      "",
    ].join("\n"),
  },
  {
    name: "mixed line endings",
    text: "a=1\r\nb=2\nc=3\r\n",
  },
];
