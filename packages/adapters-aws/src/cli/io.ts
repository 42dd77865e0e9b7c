import { readFileSync } from 'node:fs';
import { EcrComplianceError } from '@ecr-compliance/core';

/** Wrong use of the command line: exit code 2. */
export class UsageError extends EcrComplianceError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Where a command writes; injectable for tests. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Standard input as text, or null when it is a terminal (nothing piped). */
  readonly stdin: () => Promise<string | null>;
  readonly env: Record<string, string | undefined>;
}

/** The process's own streams and environment. */
export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdin: async () => {
    if (process.stdin.isTTY) return null;
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  env: process.env,
};

/** Reads `file`, or standard input when no file (or `-`) is given. */
export async function readInput(
  io: Io,
  file: string | undefined,
  what: string,
): Promise<{ text: string; source: string }> {
  if (file && file !== '-') {
    try {
      return { text: readFileSync(file, 'utf8'), source: file };
    } catch (error) {
      throw new EcrComplianceError(
        `cannot read ${what} file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  }
  const text = await io.stdin();
  if (text === null) throw new UsageError(`no ${what}: pass --input FILE or pipe it on standard input`);
  return { text, source: 'standard input' };
}

/** Parses JSON, naming the source in the error. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new EcrComplianceError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Prints a value as indented JSON with a final newline. */
export function printJson(io: Io, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * An error message as one line: whatever its cause (a JSON parser's message with the offending
 * text, an SDK error that carries an emulator's or a proxy's HTML error page), the command line's
 * contract is one line on standard error. Tags are dropped, white space folded, and a very long
 * text cut.
 */
export function oneLine(message: string, max = 500): string {
  const text = (/<[a-z!/][^>]*>/i.test(message) ? message.replace(/<[^>]*>/g, ' ') : message)
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Checks an AWS Region name, as a usage error naming its flag. */
export function checkRegion(region: string, flag = '--region'): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    throw new UsageError(`${flag}: not an AWS region: ${JSON.stringify(region)}`);
  return region;
}

/** Checks an image (manifest) digest: `sha256:` and 64 lowercase hex digits. */
export function checkDigest(digest: string, flag = '--image-digest'): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest))
    throw new UsageError(
      `${flag}: not an image digest (sha256: and 64 hex digits): ${JSON.stringify(digest)}`,
    );
  return digest;
}

/** Checks an endpoint URL: an http or https URL with its scheme. */
export function checkEndpointUrl(value: string, flag = '--endpoint-url'): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {}
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname)
    throw new UsageError(
      `${flag}: needs an http:// or https:// URL, e.g. http://127.0.0.1:5000, not ${JSON.stringify(value)}`,
    );
  return value;
}
