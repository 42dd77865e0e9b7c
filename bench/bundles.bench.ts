/**
 * Issue 3 §5: each Lambda handler's bundle size and module load time, bundled exactly as the CDK
 * construct bundles it (esbuild, minified ESM for Node.js 22, AWS SDK inside, the same aliases).
 * Load time: a fresh `node` process imports the bundle (its cold start, configuration included);
 * the median of repeated runs. Goals: bundle <= 600 KB, load <= 80 ms on this machine.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { HANDLER_BUNDLING, handlerEntry } from '../packages/infra/scripts/handlerSources.js';
import { HANDLERS } from '../packages/infra/src/handlers.js';
import type { BenchContext, BenchResult } from './harness.js';
import { median, percentile } from './harness.js';

export const name = 'bundles';
export const description = 'Lambda bundle size and module load time of each handler';

const GOAL_KB = 600;
const GOAL_LOAD_MS = 80;
const RUNS = 15;

/** What the handlers read at cold start (a Lambda function gets these from the construct). */
const ENVIRONMENT = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  ACCOUNT_ID: '111122223333',
  IDEMPOTENCY_TABLE_NAME: 'ecr-compliance-idempotency',
  BLOCK_ACTION_ARN: 'arn:aws:securityhub:us-east-1:111122223333:action/custom/ECR1',
  UNBLOCK_ACTION_ARN: 'arn:aws:securityhub:us-east-1:111122223333:action/custom/ECR2',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

async function loadTimeMs(file: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...ENVIRONMENT },
  });
  return Number(stdout);
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ecr-compliance-bundles-'));
  const results: BenchResult[] = [];
  try {
    for (const handler of HANDLERS) {
      const outfile = join(dir, `${handler}.mjs`);
      await build({
        ...HANDLER_BUNDLING,
        mainFields: [...HANDLER_BUNDLING.mainFields],
        alias: { ...HANDLER_BUNDLING.alias },
        entryPoints: [handlerEntry(handler)],
        outfile,
      });
      const kb = statSync(outfile).size / 1000;
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) times.push(await loadTimeMs(outfile));
      const load = median(times);
      ctx.log(
        `${handler}: ${kb.toFixed(0)} KB minified; module load median ${load.toFixed(1)} ms (p90 ${percentile(times, 90).toFixed(1)}, ${RUNS} cold processes)`,
      );
      results.push(
        { name: `${handler} bundle`, value: kb, unit: 'KB', goal: `<= ${GOAL_KB}`, pass: kb <= GOAL_KB },
        {
          name: `${handler} load median`,
          value: load,
          unit: 'ms',
          goal: `<= ${GOAL_LOAD_MS}`,
          pass: load <= GOAL_LOAD_MS,
        },
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
