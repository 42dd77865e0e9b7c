/**
 * Global setup of the synth project: builds the construct's Lambda bundles that are missing or
 * older than their sources (packages/infra/scripts/buildBundles.ts), so `vitest run --project synth`
 * works without a `pnpm build` first. Costs a few stat calls when they are fresh.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  execFileSync(process.execPath, ['--import', 'tsx', 'packages/infra/scripts/buildBundles.ts'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
