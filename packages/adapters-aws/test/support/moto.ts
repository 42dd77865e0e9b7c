/**
 * Local AWS emulator for integration tests: moto 5.2.5 in server mode (installed into <repo>/.venv by
 * scripts/setup-emulator.sh). Every test file starts its own server in beforeAll and stops it in afterAll:
 *
 *   let moto: MotoServer;
 *   beforeAll(async () => { moto = await startMoto(); });
 *   afterAll(async () => { await moto?.stop(); });
 *
 * startMoto() throws (so the suite fails, never skips) when the venv is missing or the server does not start.
 * moto does not check signatures; it picks the service from the SigV4 credential scope of each request, so
 * all services share one endpoint.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The account id moto uses for every request (moto's default, not configurable per request). */
export const MOTO_ACCOUNT_ID = '123456789012';
export const MOTO_REGION = 'us-east-1';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MOTO_SERVER = `${REPO_ROOT}.venv/bin/moto_server`;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const STDERR_LIMIT = 16_384;

export interface MotoServer {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  endpoint: string;
  region: string;
  /** SIGTERM, then SIGKILL after 5 s. Safe to call twice. */
  stop(): Promise<void>;
  /** Clears all state of all services (POST /moto-api/reset). */
  reset(): Promise<void>;
}

export interface EmulatorClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  maxAttempts: number;
}

/** SDK v3 client configuration for the emulator (or a fault proxy in front of it). */
export function awsClientConfig(endpoint: string, region: string, maxAttempts = 3): EmulatorClientConfig {
  return {
    endpoint,
    region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 'testing' },
    maxAttempts,
  };
}

/** A free TCP port on 127.0.0.1 (the OS picks it; there is a small race until moto binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      const { port } = address;
      server.close(() => resolve(port));
    });
  });
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Never leave a moto server behind when a test worker exits without calling stop().
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startMoto(region: string = MOTO_REGION): Promise<MotoServer> {
  if (!existsSync(MOTO_SERVER)) {
    throw new Error(`moto_server not found at ${MOTO_SERVER}: run scripts/setup-emulator.sh`);
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
  });
  live.add(child);
  installExitHook();

  // moto logs every request; drain both pipes (a full pipe would block the server) and keep the tail.
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-STDERR_LIMIT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let exited: string | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = `exited with ${code === null ? `signal ${signal}` : `code ${code}`}`;
      live.delete(child);
      resolve();
    });
    child.once('error', (error) => {
      exited = `failed to spawn: ${error.message}`;
      live.delete(child);
      resolve();
    });
  });

  const stop = async (): Promise<void> => {
    if (exited !== undefined) return;
    child.kill('SIGTERM');
    const killed = await Promise.race([
      exitPromise.then(() => true),
      sleep(STOP_TIMEOUT_MS).then(() => false),
    ]);
    if (!killed) {
      child.kill('SIGKILL');
      await exitPromise;
    }
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited !== undefined) {
      throw new Error(
        `moto_server ${exited} before answering on ${endpoint} (run scripts/setup-emulator.sh). Output:\n${output}`,
      );
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `moto_server did not answer on ${endpoint} within ${START_TIMEOUT_MS} ms (run scripts/setup-emulator.sh). Output:\n${output}`,
      );
    }
    await sleep(100);
  }

  return {
    endpoint,
    region,
    stop,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      const text = await response.text();
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status} ${text}`);
    },
  };
}

/**
 * Queues exact DescribeImageScanFindings responses (moto's "static result" API). moto returns them verbatim
 * (so include registryId, repositoryName, imageId, imageScanStatus, imageScanFindings) for the first
 * DescribeImageScanFindings of a matching repositoryName + imageTag/imageDigest after StartImageScan, keyed by
 * the request's exact imageId object; maxResults/nextToken are ignored (no pagination).
 */
export async function setEcrScanFindingResults(
  endpoint: string,
  region: string,
  results: readonly Record<string, unknown>[],
  accountId: string = MOTO_ACCOUNT_ID,
): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/static/ecr/scan-finding-results`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ region, account_id: accountId, results }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`moto scan-finding-results failed: HTTP ${response.status} ${text}`);
}

/** Error from awsJsonRequest/awsQueryRequest, with the AWS error code moto returned. */
export class EmulatorRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${code} (HTTP ${status}): ${message}`);
    this.name = 'EmulatorRequestError';
  }
}

// moto needs only the credential scope of the SigV4 Authorization header to route a request.
const fakeAuthorization = (region: string, service: string) =>
  `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`;

/**
 * Minimal AWS JSON-protocol call for services whose SDK client is not installed (EventBridge:
 * service 'events', target 'AWSEvents.PutRule', version '1.1'; SQS: service 'sqs',
 * target 'AmazonSQS.ReceiveMessage', version '1.0'). The result is the parsed JSON, unchecked.
 */
export async function awsJsonRequest<T = Record<string, unknown>>(
  endpoint: string,
  region: string,
  request: { service: string; target: string; jsonVersion: '1.0' | '1.1'; body: unknown },
): Promise<T> {
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': `application/x-amz-json-${request.jsonVersion}`,
      'x-amz-target': request.target,
      authorization: fakeAuthorization(region, request.service),
    },
    body: JSON.stringify(request.body),
  });
  const text = await response.text();
  const parsed: unknown = text === '' ? {} : JSON.parse(text);
  if (!response.ok) {
    const error = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
    const type = String(error.__type ?? response.headers.get('x-amzn-errortype') ?? 'Unknown');
    throw new EmulatorRequestError(
      response.status,
      type.split('#').pop() ?? type,
      String(error.message ?? error.Message ?? text),
    );
  }
  return parsed as T;
}

/** Minimal AWS query-protocol call (e.g. STS). Returns the raw XML body. */
export async function awsQueryRequest(
  endpoint: string,
  region: string,
  request: { service: string; action: string; version: string; params?: Record<string, string> },
): Promise<string> {
  const body = new URLSearchParams({ Action: request.action, Version: request.version, ...request.params });
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: fakeAuthorization(region, request.service),
    },
    body: body.toString(),
  });
  const text = await response.text();
  if (!response.ok) {
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? 'Unknown';
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text;
    throw new EmulatorRequestError(response.status, code, message);
  }
  return text;
}
