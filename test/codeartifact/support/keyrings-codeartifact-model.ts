// A small model of how keyrings.codeartifact reads a keyringrc.cfg, written for the compatibility tests
// from its README and the behaviour its own tests pin (not its code). The INI layer is ours
// (`parseIni`, configparser's rules with inline `#`/`;` comments, as it configures RawConfigParser).
// Its rules, as modelled:
// - `[codeartifact]` is configparser's default section: its keys are merged under every section.
// - Other sections whose name starts with `codeartifact` are qualified by `key="value"` pairs; the
//   header regex is compiled with re.VERBOSE, which drops the space of its `(?:$| )`, so only quoted
//   values are read and a bare value (`account=000000000000`) reads as empty.
// - Lookup: with no qualified section (or an empty request) the defaults; otherwise every section is
//   scored by how many of domain/account/region/name equal the request's (Python's None == None
//   counts), and the first highest wins, matching or not.
// - Values keep their quotes. `profile_name` when non-empty; the two keys only together;
//   `token_duration` default 3600; `verify` true/false words or a path.
import { parseIni } from "../../../src/configstore/ini.js";

export interface Coordinates {
  domain?: string;
  account?: string;
  region?: string;
  name?: string;
}

const FIELDS = ["domain", "account", "region", "name"] as const;
const HEADER = /^codeartifact ?/;
const QUALIFIER = /(domain|account|region|name)=(["']?)([\s\S]*?)\2/gi;

/** The merged values of the section keyrings.codeartifact picks for `request`. */
export function pythonLookup(text: string, request: Coordinates): Record<string, string> {
  const document = parseIni(text);
  const defaults: Record<string, string> = {};
  const sections: { qualifiers: Coordinates; values: Record<string, string> }[] = [];
  for (const section of document.sections) {
    const values = Object.fromEntries(section.entries.map((e) => [e.key, e.value]));
    if (section.name === "codeartifact") Object.assign(defaults, values);
    else if (HEADER.test(section.name)) {
      const qualifiers: Coordinates = {};
      for (const match of section.name.matchAll(QUALIFIER)) {
        qualifiers[(match[1] ?? "").toLowerCase() as keyof Coordinates] = match[3] ?? "";
      }
      sections.push({ qualifiers, values });
    }
  }
  if (sections.length === 0 || FIELDS.every((f) => request[f] === undefined)) return defaults;
  const score = (q: Coordinates) => FIELDS.filter((f) => request[f] === q[f]).length;
  let best = sections[0];
  for (const section of sections)
    if (best && score(section.qualifiers) > score(best.qualifiers)) best = section;
  return { ...defaults, ...best?.values };
}

export interface EffectiveOptions {
  /** `static:KEY_ID`, `profile:NAME` or `default`: who asks AWS. */
  identity: string;
  tokenDuration: number;
  verify?: boolean | string;
}

/** What keyrings.codeartifact asks AWS with, for `request`. */
export function pythonOptions(text: string, request: Coordinates): EffectiveOptions {
  const values = pythonLookup(text, request);
  const profile = values.profile_name || undefined;
  const keyId = values.aws_access_key_id;
  const identity =
    keyId && values.aws_secret_access_key ? `static:${keyId}` : profile ? `profile:${profile}` : "default";
  const options: EffectiveOptions = {
    identity,
    tokenDuration: Number.parseInt(values.token_duration ?? "3600", 10),
  };
  const verify = values.verify;
  if (verify) {
    const word = verify.toLowerCase();
    if (["1", "yes", "on", "true"].includes(word)) options.verify = true;
    else if (["0", "no", "off", "false"].includes(word)) options.verify = false;
    else options.verify = verify.replace(/^"+|"+$/g, "");
  }
  return options;
}
