/**
 * Test-runner helpers of the end-to-end tests: handler modules loaded with a given environment and
 * captured structured logs. The scenario building blocks live in scenario.ts (re-exported here).
 */
import { vi } from 'vitest';

export {
  createIdempotencyTable,
  createStateTable,
  customActionEvent,
  enhancedScanFinding,
  everyFinding,
  findingsImportedEvent,
  HIGH_CVE,
  handlerEnvironment,
  imageActionEvent,
  imageScanEvent,
  inspectorScanEvent,
  lambdaContext,
  manifest,
  pushScannedImage,
  sha,
} from './scenario.js';

/** Loads a handler module afresh with `env` as its environment (its module scope reads it once). */
export async function loadHandler<T>(path: string, env: Record<string, string>): Promise<T> {
  vi.resetModules();
  // Exactly `env`: nothing stubbed for an earlier load may leak into this one.
  vi.unstubAllEnvs();
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  return (await import(path)) as T;
}

/** Captures the JSON log lines Powertools writes to standard output (and keeps them off the test output). */
export function captureLogs(): { lines: () => Array<Record<string, unknown>>; restore: () => void } {
  const captured: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  return {
    lines: () =>
      captured
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => {
      spy.mockRestore();
      errSpy.mockRestore();
    },
  };
}

/** Runs a handler with its Powertools log lines kept off the test output, for tests not about them. */
export async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const logs = captureLogs();
  try {
    return await run();
  } finally {
    logs.restore();
  }
}
