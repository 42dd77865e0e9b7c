/**
 * Fault-injection HTTP proxy for integration tests, placed between SDK v3 clients and moto (loopback only,
 * node:http, no dependencies). Point a client at `proxy.endpoint` instead of `moto.endpoint`.
 *
 * - maxRequestsPerSecond/burst: token bucket; over the limit the proxy answers 429 with Security Hub's
 *   REST-JSON `LimitExceededException` (header x-amzn-errortype + body {Message, Code}). SDK v3 classifies
 *   it as a throttling error (HTTP 429 and the error name are both on its throttling list) and retries.
 * - serverErrorRate: that share of requests gets 500 `InternalException` (not forwarded). SDK v3 retries 500s.
 * - failedFindingRate: for BatchImportFindings (`POST /findings/import`) that share of the request's findings
 *   is removed from the forwarded body and reported in the response's `FailedFindings` with
 *   `ErrorCode: 'InternalFailure'` (FailedCount adjusted), so the emulator stores exactly the findings
 *   reported as imported.
 * All random choices come from a PRNG seeded with `seed` (deterministic for a given request order).
 */
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export const BATCH_IMPORT_FINDINGS_PATH = '/findings/import';

export interface FaultProxyOptions {
  /** Base URL of the upstream emulator; must be a loopback http URL. */
  upstream: string;
  /** Token-bucket refill rate. Unset: no throttling. */
  maxRequestsPerSecond?: number;
  /** Token-bucket size (initial and maximum tokens). Default 3 x maxRequestsPerSecond (10/s burst 30). */
  burst?: number;
  /** 0..1 share of requests answered with 500 InternalException. Default 0. */
  serverErrorRate?: number;
  /** 0..1 share of BatchImportFindings findings reported failed (InternalFailure) and not stored. Default 0. */
  failedFindingRate?: number;
  /** PRNG seed. Default 1. */
  seed?: number;
  /**
   * Which requests the faults (throttling, 500s, failed findings) apply to; others are only forwarded and
   * counted. Default: all requests.
   */
  appliesTo?: (request: { method: string; path: string; target: string | undefined }) => boolean;
  /** How long the upstream may take to answer before the proxy answers 502. @default 30,000 ms */
  upstreamTimeoutMs?: number;
  /**
   * Quotas of their own, as Security Hub keeps them per account, Region and operation: the bucket a
   * request draws from (its key, rate and burst; each starts full), or undefined for none. Over its
   * quota a request is answered 429 as above. Independent of `maxRequestsPerSecond`.
   */
  quotaOf?: (request: {
    method: string;
    path: string;
    target: string | undefined;
    accessKeyId: string | undefined;
    region: string | undefined;
  }) => { readonly key: string; readonly ratePerSecond: number; readonly burst: number } | undefined;
}

export interface FaultProxyStats {
  /** All requests received. */
  requests: number;
  /** Requests by "METHOD /path" (REST) or "POST / <x-amz-target>" (JSON protocols). */
  byPath: Record<string, number>;
  /** Requests forwarded to the upstream. */
  forwarded: number;
  /** Milliseconds the upstream took to answer, summed by key (as in `byPath`). */
  upstreamMsByPath: Record<string, number>;
  /** 429 answers. */
  throttled: number;
  /** Injected 500 answers. */
  serverErrors: number;
  /** Findings reported failed by the proxy (sum over BatchImportFindings requests). */
  injectedFailedFindings: number;
  /** Ids of the findings reported failed, in order. */
  injectedFailedFindingIds: string[];
  /** How many times each finding Id was forwarded to the emulator in a BatchImportFindings request. */
  importedFindingIds: Record<string, number>;
  /** Every request in order: its key (as in `byPath`) and the SigV4 credential scope it was signed with. */
  calls: ProxiedCall[];
}

/** One request as the proxy saw it: which credentials, Region and service signed it. */
export interface ProxiedCall {
  /** As in {@link FaultProxyStats.byPath}. */
  readonly key: string;
  /** The access key id of the SigV4 credential scope (which account's credentials sent it). */
  readonly accessKeyId: string | undefined;
  readonly region: string | undefined;
  readonly service: string | undefined;
}

export interface FaultProxy {
  endpoint: string;
  stats(): FaultProxyStats;
  resetStats(): void;
  /** Changes fault options of the running proxy (upstream stays). The token bucket is refilled. */
  configure(options: Omit<FaultProxyOptions, 'upstream'>): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const UPSTREAM_TIMEOUT_MS = 30_000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'content-length',
]);

/** mulberry32: small deterministic PRNG returning [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function checkRate(name: string, value: number | undefined): void {
  if (value !== undefined && !(value >= 0 && value <= 1)) throw new RangeError(`${name} must be in 0..1`);
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        stream.destroy();
        reject(new Error(`body larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface FailedFinding {
  Id: string;
  ErrorCode: string;
  ErrorMessage: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== 'http:' || !LOOPBACK_HOSTS.has(upstream.hostname)) {
    throw new Error(`fault proxy upstream must be a loopback http URL, got ${options.upstream}`);
  }
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? UPSTREAM_TIMEOUT_MS;
  const upstreamPort = Number(upstream.port || '80');
  const upstreamHost = upstream.hostname.replace(/^\[|\]$/g, '');

  let settings: Omit<FaultProxyOptions, 'upstream'> = {};
  let random = seededRandom(1);
  let tokens = 0;
  let lastRefill = performance.now();

  const burstOf = (s: Omit<FaultProxyOptions, 'upstream'>): number =>
    s.burst ?? (s.maxRequestsPerSecond === undefined ? 0 : Math.max(1, s.maxRequestsPerSecond * 3));

  const configure = (next: Omit<FaultProxyOptions, 'upstream'>): void => {
    checkRate('serverErrorRate', next.serverErrorRate);
    checkRate('failedFindingRate', next.failedFindingRate);
    if (next.maxRequestsPerSecond !== undefined && !(next.maxRequestsPerSecond > 0)) {
      throw new RangeError('maxRequestsPerSecond must be > 0');
    }
    if (next.burst !== undefined && !(next.burst >= 1)) throw new RangeError('burst must be >= 1');
    settings = { ...next };
    random = seededRandom(next.seed ?? 1);
    tokens = burstOf(settings);
    lastRefill = performance.now();
  };

  const emptyStats = (): FaultProxyStats => ({
    requests: 0,
    byPath: {},
    forwarded: 0,
    upstreamMsByPath: {},
    throttled: 0,
    serverErrors: 0,
    injectedFailedFindings: 0,
    injectedFailedFindingIds: [],
    importedFindingIds: {},
    calls: [],
  });
  let stats = emptyStats();

  configure(options);

  const buckets = new Map<string, { tokens: number; at: number }>();
  const takeQuota = (quota: { key: string; ratePerSecond: number; burst: number }): boolean => {
    const now = performance.now();
    const bucket = buckets.get(quota.key) ?? { tokens: quota.burst, at: now };
    bucket.tokens = Math.min(quota.burst, bucket.tokens + ((now - bucket.at) / 1000) * quota.ratePerSecond);
    bucket.at = now;
    buckets.set(quota.key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };

  const takeToken = (): boolean => {
    const rate = settings.maxRequestsPerSecond;
    if (rate === undefined) return true;
    const now = performance.now();
    tokens = Math.min(burstOf(settings), tokens + ((now - lastRefill) / 1000) * rate);
    lastRefill = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  };

  const forward = (method: string, path: string, headers: IncomingHttpHeaders, body: Buffer) =>
    new Promise<UpstreamResponse>((resolve, reject) => {
      const outHeaders: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) outHeaders[name] = value;
      }
      outHeaders['content-length'] = String(body.length);
      const upstreamRequest = httpRequest(
        { host: upstreamHost, port: upstreamPort, method, path, headers: outHeaders, agent: false },
        (response) => {
          readBody(response).then(
            (responseBody) =>
              resolve({ status: response.statusCode ?? 502, headers: response.headers, body: responseBody }),
            reject,
          );
        },
      );
      upstreamRequest.setTimeout(upstreamTimeoutMs, () =>
        upstreamRequest.destroy(new Error('upstream timeout')),
      );
      upstreamRequest.once('error', reject);
      upstreamRequest.end(body);
    });

  const server = createServer((request, response) => {
    const send = (status: number, headers: Record<string, string | string[]>, body: Buffer | string) => {
      const payload = typeof body === 'string' ? Buffer.from(body) : body;
      response.writeHead(status, { ...headers, 'content-length': String(payload.length) });
      response.end(payload);
    };
    const sendError = (status: number, type: string, message: string) =>
      send(
        status,
        {
          'content-type': 'application/json',
          'x-amzn-errortype': type,
          'x-amzn-requestid': `fault-proxy-${stats.requests}`,
        },
        JSON.stringify({ Message: message, Code: type, message }),
      );

    const handle = async (): Promise<void> => {
      const method = request.method ?? 'GET';
      const path = request.url ?? '/';
      const pathname = path.split('?')[0] ?? '/';
      const targetHeader = request.headers['x-amz-target'];
      const target = Array.isArray(targetHeader) ? targetHeader[0] : targetHeader;
      const key = target === undefined ? `${method} ${pathname}` : `${method} ${pathname} ${target}`;
      stats.requests += 1;
      stats.byPath[key] = (stats.byPath[key] ?? 0) + 1;
      // Credential=AKID/DATE/REGION/SERVICE/aws4_request
      const scope = /Credential=([^/]+)\/[^/]+\/([^/]+)\/([^/]+)\//.exec(request.headers.authorization ?? '');
      stats.calls.push({ key, accessKeyId: scope?.[1], region: scope?.[2], service: scope?.[3] });

      let body = await readBody(request);
      const faulty = settings.appliesTo?.({ method, path: pathname, target }) ?? true;

      const quota = settings.quotaOf?.({
        method,
        path: pathname,
        target,
        accessKeyId: scope?.[1],
        region: scope?.[2],
      });
      if (quota && !takeQuota(quota)) {
        stats.throttled += 1;
        sendError(429, 'LimitExceededException', `Rate exceeded for ${quota.key} (injected by fault proxy)`);
        return;
      }
      if (faulty && !takeToken()) {
        stats.throttled += 1;
        sendError(429, 'LimitExceededException', 'Rate exceeded (injected by fault proxy)');
        return;
      }
      if (faulty && (settings.serverErrorRate ?? 0) > 0 && random() < (settings.serverErrorRate ?? 0)) {
        stats.serverErrors += 1;
        sendError(500, 'InternalException', 'Internal server error (injected by fault proxy)');
        return;
      }

      const injected: FailedFinding[] = [];
      const failedFindingRate = settings.failedFindingRate ?? 0;
      if (faulty && failedFindingRate > 0 && method === 'POST' && pathname === BATCH_IMPORT_FINDINGS_PATH) {
        const parsed: unknown = JSON.parse(body.toString('utf8'));
        if (isRecord(parsed) && Array.isArray(parsed.Findings)) {
          const kept: unknown[] = [];
          for (const finding of parsed.Findings as unknown[]) {
            if (random() < failedFindingRate) {
              const id = isRecord(finding) && typeof finding.Id === 'string' ? finding.Id : '';
              injected.push({
                Id: id,
                ErrorCode: 'InternalFailure',
                ErrorMessage: 'Internal failure (injected by fault proxy)',
              });
            } else {
              kept.push(finding);
            }
          }
          if (injected.length > 0) {
            stats.injectedFailedFindings += injected.length;
            stats.injectedFailedFindingIds.push(...injected.map((f) => f.Id));
            if (kept.length === 0) {
              send(
                200,
                { 'content-type': 'application/json' },
                JSON.stringify({ FailedCount: injected.length, SuccessCount: 0, FailedFindings: injected }),
              );
              return;
            }
            body = Buffer.from(JSON.stringify({ ...parsed, Findings: kept }));
          }
        }
      }

      stats.forwarded += 1;
      if (method === 'POST' && pathname === BATCH_IMPORT_FINDINGS_PATH) {
        const forwarded: unknown = JSON.parse(body.toString('utf8'));
        if (isRecord(forwarded) && Array.isArray(forwarded.Findings)) {
          for (const finding of forwarded.Findings as unknown[]) {
            const id = isRecord(finding) && typeof finding.Id === 'string' ? finding.Id : '';
            stats.importedFindingIds[id] = (stats.importedFindingIds[id] ?? 0) + 1;
          }
        }
      }
      const sent = performance.now();
      const upstreamResponse = await forward(method, path, request.headers, body);
      stats.upstreamMsByPath[key] = (stats.upstreamMsByPath[key] ?? 0) + performance.now() - sent;
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(upstreamResponse.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
      }
      let responseBody = upstreamResponse.body;
      if (injected.length > 0 && upstreamResponse.status === 200) {
        const parsed: unknown = JSON.parse(responseBody.toString('utf8'));
        if (isRecord(parsed)) {
          const failed = Array.isArray(parsed.FailedFindings) ? (parsed.FailedFindings as unknown[]) : [];
          responseBody = Buffer.from(
            JSON.stringify({
              ...parsed,
              FailedCount:
                (typeof parsed.FailedCount === 'number' ? parsed.FailedCount : 0) + injected.length,
              FailedFindings: [...failed, ...injected],
            }),
          );
          headers['content-type'] = 'application/json';
        }
      }
      send(upstreamResponse.status, headers, responseBody);
    };

    handle().catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!response.headersSent) sendError(502, 'InternalException', `fault proxy: ${message}`);
      else response.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = emptyStats();
    },
    configure,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
