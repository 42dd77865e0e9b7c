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
