// A loopback AWS endpoint that the real AWS SDK v3 talks to. It verifies every request's SigV4
// signature with the same signer the SDK uses, so a wrong secret is rejected exactly as AWS does,
// routes the request to one of the services given to it, counts operations and injects faults.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

/** A request as a service handler sees it, after the signature was verified. */
export interface AwsRequest {
  method: string;
  /** Decoded path, without the query. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string;
  /** Signing name from the credential scope (`codeartifact`, `sts`, `ssm`). */
  service: string;
  region: string;
  accessKeyId: string;
  sessionToken: string | undefined;
}

/** What a handler answers. `json` is serialised; `body` is sent as is. */
export interface AwsResponse {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string;
}

/** An error in the shape the service's protocol uses (restJson1, awsJson1_1 or awsQuery). */
export interface AwsErrorShape {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

/** One AWS service the endpoint can play. */
export interface AwsService {
  /** The signing name, as it appears in the credential scope. */
  signingName: string;
  /** The operation a request asks for, or undefined when this service does not know it. */
  operation(request: AwsRequest): string | undefined;
  handle(operation: string, request: AwsRequest): AwsResponse | Promise<AwsResponse>;
  formatError(error: AwsErrorShape): AwsResponse;
  /** HTTP status of this service's ThrottlingException (default 400, as the JSON protocols send it). */
  throttleStatus?: number;
  /** The operation of an unsigned request this service accepts (STS AssumeRoleWithWebIdentity), if any. */
  unsignedOperation?(request: AwsRequest): string | undefined;
}

/** A fault replaces the normal answer to the next `times` calls of an operation. */
export type Fault =
  /** An error in the service's protocol shape (500, 503, 429 + Retry-After, AccessDenied…). */
  | { type: "error"; status: number; code: string; message?: string; headers?: Record<string, string> }
  /** A raw body (malformed JSON, a missing field), with status 200 unless given. */
  | { type: "body"; body: string; status?: number; headers?: Record<string, string> }
  /** Headers and half a body are sent, then the connection is destroyed. */
  | { type: "reset" }
  /** The request is accepted and never answered (the client must time out). */
  | { type: "hang" }
  /** The normal answer, after a delay. */
  | { type: "delay"; ms: number }
  /** Status 200 and headers at once, then one byte of body every `intervalMs`, never ending. */
  | { type: "trickle"; intervalMs: number }
  /**
   * A body of `bytes` bytes (a JSON string that never closes), streamed in 64 KiB chunks without
   * being held in memory; with Content-Length when `declareLength`, else chunked.
   */
  | { type: "flood"; bytes: number; declareLength?: boolean };

export interface AcceptedCredentials {
  secretAccessKey: string;
  /** When set, requests signed with this key must carry this session token. */
  sessionToken?: string;
}

export interface AwsEndpointOptions {
  services: AwsService[];
  /** Access key id → secret. Requests signed with any other key are rejected (403). */
  credentials: Record<string, AcceptedCredentials>;
  /** Port to listen on; 0 (default) picks a free one. Always on 127.0.0.1. */
  port?: number;
}

export interface RecordedCall {
  service: string;
  operation: string;
  accessKeyId: string;
  query: Record<string, string>;
  /** What the endpoint answered: the status code, or the fault type. */
  outcome: number | "reset" | "hang" | "trickle" | "flood";
  /** Refused with ThrottlingException by `throttle`. */
  throttled?: true;
}

export interface AwsEndpoint {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** Every call that passed signature checks, in arrival order. */
  calls: RecordedCall[];
  /** Number of calls of `operation` (all services) that reached the endpoint with a valid signature. */
  count(operation: string): number;
  /** Number of requests rejected for their signature or key. */
  rejectedSignatures(): number;
  /** Queue a fault for the next `times` (default 1; `Infinity` for always) calls of `operation`. */
  inject(operation: string, fault: Fault, times?: number): void;
  /**
   * Answer `operation` with ThrottlingException past `perSecond` calls in any one-second window, as
   * AWS's per-region request quotas do (GetAuthorizationToken: 40/s). Undefined removes the limit.
   */
  throttle(operation: string, perSecond: number | undefined): void;
  /** Number of calls of `operation` answered with ThrottlingException by `throttle`. */
  throttled(operation: string): number;
  /** Remove queued faults, throttles and recorded calls. */
  reset(): void;
  /** Accept another key (for credentials issued by AssumeRole). */
  acceptCredentials(accessKeyId: string, credentials: AcceptedCredentials): void;
  close(): Promise<void>;
}

const sha256 = Hash.bind(null, "sha256");

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  const match = header?.match(
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/,
  );
  if (!match) return undefined;
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match as unknown as string[];
  return {
    accessKeyId: accessKeyId as string,
    date: date as string,
    region: region as string,
    service: service as string,
    signedHeaders: (signedHeaders as string).split(";"),
    signature: signature as string,
  };
}

function parseAmzDate(value: string): Date | undefined {
  // 20261121T193000Z → an ISO string Date can read.
  const iso = value.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z");
  const date = new Date(iso);
  return iso !== value && !Number.isNaN(date.getTime()) ? date : undefined;
}

async function expectedSignature(
  incoming: {
    method: string;
    path: string;
    query: URLSearchParams;
    headers: Record<string, string>;
    body: string;
  },
  auth: ParsedAuthorization,
  secretAccessKey: string,
  signingDate: Date,
): Promise<string | undefined> {
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = incoming.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(incoming.query.keys())) {
    const values = incoming.query.getAll(key);
    query[key] = values.length === 1 ? (values[0] as string) : values;
  }
  const [hostname, port] = (incoming.headers.host ?? "127.0.0.1").split(":");
  const request = new HttpRequest({
    method: incoming.method,
    protocol: "http:",
    hostname: hostname ?? "127.0.0.1",
    ...(port ? { port: Number(port) } : {}),
    path: incoming.path,
    query,
    headers,
    body: incoming.body,
  });
  const signer = new SignatureV4({
    service: auth.service,
    region: auth.region,
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
    sha256,
    // The JS SDK signs x-amz-content-sha256; botocore (the aws CLI) does not: sign as the client did.
    applyChecksum: auth.signedHeaders.includes("x-amz-content-sha256"),
  });
  const signed = await signer.sign(request, {
    signingDate,
    signableHeaders: new Set(auth.signedHeaders),
  });
  const authorization = signed.headers.authorization ?? signed.headers.Authorization;
  return authorization?.match(/Signature=([0-9a-f]{64})/)?.[1];
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, response: AwsResponse): void {
  const body = response.json !== undefined ? JSON.stringify(response.json) : (response.body ?? "");
  const headers: Record<string, string> = {
    ...(response.json !== undefined ? { "content-type": "application/json" } : {}),
    ...response.headers,
    "content-length": String(Buffer.byteLength(body)),
  };
  res.writeHead(response.status ?? 200, headers);
  res.end(body);
}

/** Starts the endpoint on 127.0.0.1. Close it when done (it also stops with the process). */
export async function startAwsEndpoint(options: AwsEndpointOptions): Promise<AwsEndpoint> {
  const credentials = new Map(Object.entries(options.credentials));
  const calls: RecordedCall[] = [];
  const faults = new Map<string, { fault: Fault; remaining: number }[]>();
  const sockets = new Set<Socket>();
  let rejected = 0;
  // Per throttled operation: its rate, the times of the calls let through in the last second, and
  // how many were refused.
  const limits = new Map<string, { perSecond: number; recent: number[]; refused: number }>();
  const overLimit = (operation: string): boolean => {
    const limit = limits.get(operation);
    if (!limit) return false;
    const now = performance.now();
    while (limit.recent.length > 0 && now - (limit.recent[0] as number) >= 1000) limit.recent.shift();
    if (limit.recent.length >= limit.perSecond) {
      limit.refused += 1;
      return true;
    }
    limit.recent.push(now);
    return false;
  };

  const takeFault = (operation: string): Fault | undefined => {
    const queue = faults.get(operation);
    const next = queue?.[0];
    if (!next) return undefined;
    next.remaining -= 1;
    if (next.remaining <= 0) queue.shift();
    return next.fault;
  };

  const answer = async (
    service: AwsService,
    operation: string,
    request: AwsRequest,
    res: ServerResponse,
    req: IncomingMessage,
  ): Promise<void> => {
    const call: RecordedCall = {
      service: service.signingName,
      operation,
      accessKeyId: request.accessKeyId,
      query: Object.fromEntries(request.query),
      outcome: 200,
    };
    calls.push(call);
    if (overLimit(operation)) {
      call.outcome = service.throttleStatus ?? 400;
      call.throttled = true;
      return send(
        res,
        service.formatError({ status: call.outcome, code: "ThrottlingException", message: "Rate exceeded" }),
      );
    }
    const fault = takeFault(operation);
    if (fault?.type === "hang") {
      call.outcome = "hang";
      return; // the socket stays open until the client gives up or the endpoint closes
    }
    if (fault?.type === "reset") {
      call.outcome = "reset";
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"authorizationToken": "');
      setTimeout(() => req.socket.destroy(), 10);
      return;
    }
    if (fault?.type === "trickle") {
      call.outcome = "trickle";
      res.writeHead(200, { "content-type": "application/json" });
      res.write("{");
      const timer = setInterval(() => res.write(" "), fault.intervalMs);
      timer.unref();
      res.on("close", () => clearInterval(timer));
      return;
    }
    if (fault?.type === "flood") {
      call.outcome = "flood";
      res.writeHead(200, {
        "content-type": "application/json",
        ...(fault.declareLength ? { "content-length": String(fault.bytes) } : {}),
      });
      const chunk = Buffer.alloc(64 * 1024, "a");
      let sent = 0;
      const pump = () => {
        if (sent === 0) {
          const prefix = '{"authorizationToken":"';
          res.write(prefix);
          sent = prefix.length;
        }
        while (sent < fault.bytes && !res.destroyed) {
          const part = chunk.subarray(0, Math.min(chunk.length, fault.bytes - sent));
          sent += part.length;
          if (!res.write(part)) return void res.once("drain", pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
      return;
    }
    if (fault?.type === "delay") await new Promise((r) => setTimeout(r, fault.ms));
    let response: AwsResponse;
    if (fault?.type === "error") {
      const { status, code, message = code, headers: extra } = fault;
      response = service.formatError({ status, code, message, ...(extra ? { headers: extra } : {}) });
    } else if (fault?.type === "body") {
      response = {
        status: fault.status ?? 200,
        headers: { "content-type": "application/json", ...fault.headers },
        body: fault.body,
      };
    } else {
      response = await service.handle(operation, request);
    }
    call.outcome = response.status ?? 200;
    send(res, response);
  };

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const body = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string") headers[name] = value;
        else if (Array.isArray(value)) headers[name] = value.join(",");
      }
      const path = url.pathname
        .split("/")
        .map((segment) => decodeURIComponent(segment))
        .join("/");
      const auth = parseAuthorization(headers.authorization);
      const incoming = { method: req.method ?? "GET", path, query: url.searchParams, headers, body };
      if (!auth && !headers.authorization) {
        const unsigned: AwsRequest = {
          ...incoming,
          service: "",
          region: "",
          accessKeyId: "",
          sessionToken: undefined,
        };
        for (const candidate of options.services) {
          const operation = candidate.unsignedOperation?.(unsigned);
          if (operation)
            return await answer(
              candidate,
              operation,
              { ...unsigned, service: candidate.signingName },
              res,
              req,
            );
        }
      }
      const service = options.services.find((s) => s.signingName === auth?.service) ?? options.services[0];
      if (!service) throw new Error("no services configured");
      const reject = (code: string, message: string) => {
        rejected += 1;
        send(res, service.formatError({ status: 403, code, message }));
      };
      if (!auth) return reject("MissingAuthenticationTokenException", "Missing Authentication Token");
      const accepted = credentials.get(auth.accessKeyId);
      if (!accepted) {
        return reject(
          "UnrecognizedClientException",
          "The security token included in the request is invalid.",
        );
      }
      const signingDate = parseAmzDate(headers["x-amz-date"] ?? "");
      if (!signingDate) return reject("IncompleteSignatureException", "Missing or malformed X-Amz-Date.");
      const sessionToken = headers["x-amz-security-token"];
      if (accepted.sessionToken !== undefined && accepted.sessionToken !== sessionToken) {
        return reject(
          "UnrecognizedClientException",
          "The security token included in the request is invalid.",
        );
      }
      const expected = await expectedSignature(incoming, auth, accepted.secretAccessKey, signingDate);
      if (expected !== auth.signature) {
        return reject(
          "InvalidSignatureException",
          "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
        );
      }
      const request: AwsRequest = {
        ...incoming,
        service: auth.service,
        region: auth.region,
        accessKeyId: auth.accessKeyId,
        sessionToken,
      };
      const operation = service.operation(request);
      if (!operation) {
        return send(
          res,
          service.formatError({ status: 404, code: "UnknownOperationException", message: path }),
        );
      }
      await answer(service, operation, request, res, req);
    } catch (error) {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`loopback endpoint failure: ${(error as Error).message}`);
      }
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  // The endpoint must never keep a test process alive on its own.
  server.unref();
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    count: (operation) => calls.filter((c) => c.operation === operation).length,
    rejectedSignatures: () => rejected,
    inject(operation, fault, times = 1) {
      const queue = faults.get(operation) ?? [];
      queue.push({ fault, remaining: times });
      faults.set(operation, queue);
    },
    throttle(operation, perSecond) {
      if (perSecond === undefined) limits.delete(operation);
      else limits.set(operation, { perSecond, recent: [], refused: 0 });
    },
    throttled: (operation) => limits.get(operation)?.refused ?? 0,
    reset() {
      faults.clear();
      limits.clear();
      calls.length = 0;
      rejected = 0;
    },
    acceptCredentials(accessKeyId, accepted) {
      credentials.set(accessKeyId, accepted);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
