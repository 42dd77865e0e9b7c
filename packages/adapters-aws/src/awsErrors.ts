/** Helpers to read SDK v3 errors without depending on each client's exception classes. */

/** The error's name (SDK v3 sets it to the modelled exception name, e.g. `LimitExceededException`). */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** The HTTP status of an SDK error, when the service answered. */
export function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

const THROTTLING = new Set([
  'LimitExceededException',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
]);

const NETWORK = new Set([
  'TimeoutError',
  'RequestTimeout',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'NetworkingError',
]);

/** Throttling: HTTP 429 or a throttling exception name. */
export function isThrottling(error: unknown): boolean {
  return httpStatus(error) === 429 || THROTTLING.has(errorName(error));
}

/** Worth retrying: throttling, a server-side fault (5xx) or a network failure. */
export function isRetriable(error: unknown): boolean {
  if (isThrottling(error)) return true;
  const status = httpStatus(error);
  if (status !== undefined) return status >= 500;
  const code = (error as { code?: string } | null)?.code;
  return NETWORK.has(errorName(error)) || (code !== undefined && NETWORK.has(code));
}

/** A one-line description of an SDK error: `Name (HTTP 400): message`. */
export function describeError(error: unknown): string {
  const status = httpStatus(error);
  const message = error instanceof Error ? error.message : String(error);
  return `${errorName(error)}${status ? ` (HTTP ${status})` : ''}: ${message}`;
}
