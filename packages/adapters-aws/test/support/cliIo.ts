import type { Io } from '../../src/cli/io.js';

/** An in-memory Io for the command line: what it printed, and what it reads. */
export function memoryIo(options: { stdin?: string | null; env?: Record<string, string | undefined> } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    stdin: async () => options.stdin ?? null,
    env: options.env ?? {},
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}
