/**
 * `pnpm --silent emulator` (issue 11 §3): starts moto with the README's repository, prints the
 * variables to export, and the README's online examples then run against it with the built CLI.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

let emulator: ChildProcess;
let printed = '';
let exports: Record<string, string> = {};

beforeAll(async () => {
  // Its own process group, so that a signal reaches the whole group as Ctrl-C does in a terminal.
  emulator = spawn('pnpm', ['--silent', 'emulator'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let errors = '';
  emulator.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString('utf8');
  });
  await new Promise<void>((resolve, reject) => {
    emulator.stdout?.on('data', (chunk: Buffer) => {
      printed += chunk.toString('utf8');
      if (printed.includes('AWS_SECRET_ACCESS_KEY=')) resolve();
    });
    emulator.once('exit', (code) => reject(new Error(`emulator exited with ${code}: ${errors}`)));
  });
  exports = Object.fromEntries(
    [...printed.matchAll(/^export (\w+)=(.*)$/gm)].map(([, name, value]) => [
      name as string,
      value as string,
    ]),
  );
});

/** SIGTERM to the emulator's process group (pnpm, tsx, the script, moto), as a terminal's Ctrl-C. */
async function stopGroup(): Promise<void> {
  if (!emulator?.pid || emulator.exitCode !== null || emulator.signalCode !== null) return;
  const exited = once(emulator, 'exit');
  process.kill(-emulator.pid, 'SIGTERM');
  await exited;
}

afterAll(stopGroup);

const cli = (...args: string[]) =>
  promisify(execFile)(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', ...exports },
    encoding: 'utf8',
  });

describe('pnpm --silent emulator', () => {
  it('prints the endpoint, the region and test credentials to export, and nothing else but comments', () => {
    expect(Object.keys(exports)).toEqual([
      'AWS_ENDPOINT_URL',
      'AWS_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
    ]);
    expect(exports.AWS_ENDPOINT_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const line of printed.trim().split('\n')) expect(line).toMatch(/^(# |export )/);
  });

  it("runs the README's online examples against the seeded repository", async () => {
    const imported = await cli('import', '--repository', 'team-a/api', '--image-tag', '1.8.2');
    expect(JSON.parse(imported.stdout)).toMatchObject({
      repository: 'team-a/api',
      outcome: 'imported',
      imported: 302,
    });
    const plan = await cli(
      'block',
      '--repository',
      'team-a/api',
      '--exempt-principal',
      'arn:aws:iam::111122223333:role/breakglass',
      '--dry-run',
    );
    const dryRun = JSON.parse(plan.stdout);
    expect(dryRun).toMatchObject({ action: 'block', dryRun: true, changed: true });
    expect(dryRun.before.Statement).toHaveLength(2);
    const unblocked = await cli('unblock', '--repository', 'team-a/api');
    expect(JSON.parse(unblocked.stdout)).toMatchObject({ action: 'unblock', changed: false });
  });

  it('stops moto when its terminal is interrupted', async () => {
    await stopGroup();
    // Nothing answers on the endpoint any more (moto waits up to 5 s for its workers).
    const deadline = Date.now() + 10_000;
    let answering = true;
    while (answering && Date.now() < deadline) {
      answering = await fetch(`${exports.AWS_ENDPOINT_URL}/moto-api/`).then(
        () => true,
        () => false,
      );
      if (answering) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(answering).toBe(false);
  });
});
