// A registry URL without a port, as CodeArtifact's are: the gateway on port 80 of a random loopback
// address (127.x.y.z), so it never collides with another test that binds 127.0.0.1:80. Binding port 80
// needs root (or CAP_NET_BIND_SERVICE); CI runs as root, so there it must work.
import { type E2eSetup, startE2e } from "./index.js";

function randomLoopback(): string {
  const byte = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));
  return `127.${byte(1, 254)}.${byte(0, 255)}.${byte(1, 254)}`;
}

/** Starts a whole e2e setup whose registry URL has no port, or says why it cannot here. */
export async function startPortlessE2e(): Promise<{ setup: E2eSetup } | { reason: string }> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return { setup: await startE2e({ host: randomLoopback(), port: 80 }) };
    } catch (error) {
      last = error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EACCES") break;
      if (code !== "EADDRINUSE" && code !== "EADDRNOTAVAIL") throw error;
    }
  }
  const reason = `cannot listen on port 80 of a loopback address (${(last as NodeJS.ErrnoException)?.code ?? String(last)}): a URL without a port needs root or CAP_NET_BIND_SERVICE`;
  if (process.env.CI) throw new Error(`${reason}; CI runs as root, so this must work there`);
  return { reason };
}
