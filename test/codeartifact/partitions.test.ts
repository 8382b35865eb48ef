// Every host form of CodeArtifact in every partition: the patterns come from one list of partition
// suffixes, so the China VPC endpoint (`…vpce.amazonaws.com.cn`) is as much CodeArtifact as the others.
import { describe, expect, it } from "vitest";
import { parseRegistryUrl } from "../../src/codeartifact/registry-url.js";

const PARTITIONS = [
  ["aws", "us-east-1", "amazonaws.com"],
  ["aws-us-gov", "us-gov-west-1", "amazonaws.com"],
  ["aws-cn", "cn-north-1", "amazonaws.com.cn"],
] as const;

describe.each(PARTITIONS)("partition %s", (_partition, region, suffix) => {
  const expected = { domain: "my-domain", domainOwner: "111122223333", region, repository: "my-repo" };

  it("the standard host", () => {
    expect(
      parseRegistryUrl(`https://my-domain-111122223333.d.codeartifact.${region}.${suffix}/npm/my-repo/`),
    ).toMatchObject(expected);
  });

  it("a VPC endpoint without private DNS", () => {
    expect(
      parseRegistryUrl(
        `https://vpce-0123abcd-wxyz9876.d.codeartifact.${region}.vpce.${suffix}/npm/d/my-domain-111122223333/my-repo/`,
      ),
    ).toMatchObject(expected);
  });

  it("a VPC endpoint host with a broken path is CodeArtifact's, so it is refused, not passed over", () => {
    expect(() =>
      parseRegistryUrl(`https://vpce-0123abcd-wxyz9876.d.codeartifact.${region}.vpce.${suffix}/npm/my-repo/`),
    ).toThrow(/a VPC endpoint URL must have the path \/npm\/d\/DOMAIN-OWNER\/REPOSITORY\//);
  });
});

it("a look-alike suffix is not CodeArtifact", () => {
  expect(
    parseRegistryUrl(
      "https://vpce-1.d.codeartifact.cn-north-1.vpce.amazonaws.com.cn.evil.example/npm/d/x-111122223333/r1/",
    ),
  ).toBeUndefined();
});
