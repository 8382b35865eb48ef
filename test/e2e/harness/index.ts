// The e2e setup, shared by the tests and `npm run demo`: the loopback CodeArtifact endpoint
// (test/support/aws) hands out tokens of a real Verdaccio user, and a gateway serves Verdaccio under
// `/npm/private/` on 127.0.0.1, as a proxy or mirror in front of CodeArtifact would. Because the
// registry URL is not a CodeArtifact hostname, users map it to its coordinates in config.ini
// (`registry_url`), and discovery then works from the project's .npmrc as for a real CodeArtifact URL.
import { type FakeAws, startFakeAws } from "../../support/aws/index.js";
import { type Gateway, startGateway } from "./gateway.js";
import { PACKAGES, publish } from "./packages.js";
import { startVerdaccio, type VerdaccioServer } from "./verdaccio.js";

export { PACKAGES, SCOPED, UNSCOPED } from "./packages.js";

/** The CodeArtifact coordinates the e2e registry stands for. */
export const COORDINATES = {
  domain: "demo",
  domainOwner: "111122223333",
  region: "us-east-1",
  repository: "private",
} as const;

/** What a real CodeArtifact URL for these coordinates looks like (the peer comparison uses it). */
export const CODEARTIFACT_URL = `https://${COORDINATES.domain}-${COORDINATES.domainOwner}.d.codeartifact.${COORDINATES.region}.amazonaws.com/npm/${COORDINATES.repository}/`;

const READER = { name: "ci-reader", password: "e2e-reader-password" };

export interface IssuedRegistryToken {
  token: string;
  expiresAt: Date;
}

export interface E2eSetup {
  aws: FakeAws;
  verdaccio: VerdaccioServer;
  gateway: Gateway;
  /** `http://127.0.0.1:PORT/npm/private/` */
  registryUrl: string;
  /** Every token the endpoint handed out, in order, with the expiry it announced (and the gateway enforces). */
  issued: IssuedRegistryToken[];
  /** Lifetime in seconds of the n-th token (0-based) the endpoint hands out. Default: 12 h. Tests may replace it. */
  tokenLifetime: (index: number) => number;
  /** A token for the registry that did not come from the endpoint (for checks and for publishing). */
  directToken(): Promise<string>;
  stop(): Promise<void>;
}

export interface E2eOptions {
  /** Where the gateway listens. Default 127.0.0.1. */
  host?: string;
  /** Default: a free port. 80 gives a URL without a port, as CodeArtifact's (needs root). */
  port?: number;
}

/**
 * Starts Verdaccio, the gateway and the endpoint, publishes {@link PACKAGES}, and keeps a small pool of
 * fresh Verdaccio tokens so the endpoint can hand out a distinct one on each GetAuthorizationToken.
 * `stop()` ends them all (Verdaccio also dies with this process).
 */
export async function startE2e(options: E2eOptions = {}): Promise<E2eSetup> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step().catch(() => {});
  };
  try {
    const verdaccio = await startVerdaccio({ urlPrefix: `/npm/${COORDINATES.repository}/` });
    stops.push(() => verdaccio.stop());
    const gateway = await startGateway({
      socket: verdaccio.socket,
      repository: COORDINATES.repository,
      ...(options.host ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
    });
    stops.push(() => gateway.close());

    const publisher = await verdaccio.addUser(READER.name, READER.password);
    await Promise.all(PACKAGES.map((pkg) => publish(verdaccio, publisher, pkg)));

    // The endpoint's token maker is synchronous: it takes from a pool refilled in the background.
    const pool: string[] = [];
    let refilling: Promise<void> | undefined;
    const refill = (): Promise<void> => {
      if (pool.length >= 4) return Promise.resolve();
      refilling ??= (async () => {
        try {
          while (pool.length < 4) pool.push(await verdaccio.login(READER.name, READER.password));
        } finally {
          refilling = undefined;
        }
      })();
      return refilling;
    };
    await refill();

    const issued: IssuedRegistryToken[] = [];
    const lifetime = { of: (_index: number): number => 43_200 };
    let announced = 0;
    const aws = await startFakeAws({
      codeartifact: {
        makeToken: () => {
          const token = pool.shift();
          void refill().catch(() => {});
          if (!token) throw new Error("no Verdaccio token ready (the pool is empty)");
          const expiresAt = new Date((Math.floor(Date.now() / 1000) + lifetime.of(issued.length)) * 1000);
          gateway.expireAt(token, expiresAt);
          issued.push({ token, expiresAt });
          announced = expiresAt.getTime() / 1000;
          return token;
        },
        // Called right after makeToken for the same request: announce what the gateway enforces.
        expiration: () => announced,
      },
    });
    stops.push(() => aws.close());
    return {
      aws,
      verdaccio,
      gateway,
      registryUrl: gateway.registryUrl,
      issued,
      get tokenLifetime() {
        return lifetime.of;
      },
      set tokenLifetime(of: (index: number) => number) {
        lifetime.of = of;
      },
      directToken: () => verdaccio.login(READER.name, READER.password),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
