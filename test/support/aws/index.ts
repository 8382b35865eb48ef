// One loopback endpoint playing CodeArtifact, STS, SSM and Secrets Manager, with a fixed test identity.
// Point the SDK at it with `AWS_ENDPOINT_URL=<url>` (or the per-service variables).
import { type CodeArtifactState, createCodeArtifactService } from "./codeartifact.js";
import { createSecretsManagerService, type StoredSecret } from "./secrets-manager.js";
import { type AwsEndpoint, startAwsEndpoint } from "./server.js";
import { createSsmService, type SsmParameter } from "./ssm.js";
import { createStsService, type StsState } from "./sts.js";

export { defaultToken, type IssuedToken } from "./codeartifact.js";
export type { Fault, RecordedCall } from "./server.js";

/** The key pair the fake endpoint accepts. Dummy values shaped like AWS's documentation examples. */
export const TEST_CREDENTIALS = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
} as const;

/** A second accepted pair, to prove that tokens cached for one identity are not served to another. */
export const OTHER_CREDENTIALS = {
  accessKeyId: "AKIAI44QH8DHBEXAMPLE",
  secretAccessKey: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
} as const;

export interface FakeAws extends AwsEndpoint {
  codeartifact: CodeArtifactState;
  sts: StsState;
  ssm: Map<string, SsmParameter>;
  secretsManager: Map<string, StoredSecret>;
  /**
   * Environment for a child process or SDK client: endpoint, region and the test keys, with every
   * variable that could pull in this machine's real AWS configuration pointed away.
   */
  env(extra?: Record<string, string>): Record<string, string>;
}

export interface FakeAwsOptions {
  codeartifact?: Partial<CodeArtifactState>;
  ssmParameters?: Record<string, string>;
  secrets?: Record<string, string>;
  /** Calls per second each operation is allowed before ThrottlingException (`{ GetAuthorizationToken: 40 }`). */
  throttle?: Record<string, number>;
  port?: number;
}

export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  let endpoint: AwsEndpoint | undefined;
  const codeartifact = createCodeArtifactService(options.codeartifact);
  const sts = createStsService((id, credentials) => endpoint?.acceptCredentials(id, credentials));
  const ssm = createSsmService(options.ssmParameters);
  const secretsManager = createSecretsManagerService(options.secrets);
  endpoint = await startAwsEndpoint({
    services: [codeartifact, sts, ssm, secretsManager],
    credentials: {
      [TEST_CREDENTIALS.accessKeyId]: { secretAccessKey: TEST_CREDENTIALS.secretAccessKey },
      [OTHER_CREDENTIALS.accessKeyId]: { secretAccessKey: OTHER_CREDENTIALS.secretAccessKey },
    },
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  const throttles = Object.entries(options.throttle ?? {});
  const applyThrottles = () => {
    for (const [operation, perSecond] of throttles) endpoint?.throttle(operation, perSecond);
  };
  applyThrottles();
  const url = endpoint.url;
  const resetCalls = endpoint.reset;
  const initial = { ...codeartifact.state };
  return Object.assign(endpoint, {
    /** Faults, calls and every service's state back to how they started (throttles as configured). */
    reset() {
      resetCalls();
      applyThrottles();
      Object.assign(codeartifact.state, initial, { domains: new Set(), denied: new Set(), issued: [] });
      sts.state.assumed.length = 0;
      sts.state.denied.clear();
      sts.state.externalIds.clear();
    },
    codeartifact: codeartifact.state,
    sts: sts.state,
    ssm: ssm.parameters,
    secretsManager: secretsManager.secrets,
    env: (extra: Record<string, string> = {}) => ({
      AWS_ENDPOINT_URL: url,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_CONFIG_FILE: "/nonexistent/aws-config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
      AWS_EC2_METADATA_DISABLED: "true",
      ...extra,
    }),
  });
}

/**
 * A loopback endpoint of the test's own for the length of `fn` (so tests and their faults can run side
 * by side), closed afterwards whatever happens; `host` is its `127.0.0.1:PORT`.
 */
export async function withFakeAws(
  fn: (aws: FakeAws, host: string) => Promise<void>,
  options: FakeAwsOptions = {},
): Promise<void> {
  const aws = await startFakeAws(options);
  try {
    await fn(aws, `127.0.0.1:${aws.port}`);
  } finally {
    await aws.close();
  }
}
