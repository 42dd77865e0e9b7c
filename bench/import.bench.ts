/**
 * Issue 3 §5: import the findings of a 5,000-vulnerability scan into Security Hub (moto) through
 * a proxy that throttles like the real quota (BatchImportFindings: 10 requests/s, burst 30), with
 * the real publisher. Figures: BatchImportFindings calls against the minimum ceil(n/100), and the
 * elapsed time against the quota floor of n/1000 s (100 findings a request, 10 requests a second).
 * Goals: calls = minimum + retries only; elapsed <= 1.5 x the floor.
 */
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SecurityHubFindingsPublisher } from '../packages/adapters-aws/src/securityhub/SecurityHubFindingsPublisher.js';
import {
  BATCH_IMPORT_FINDINGS_PATH,
  startFaultProxy,
} from '../packages/adapters-aws/test/support/fault-proxy.js';
import { awsClientConfig, MOTO_ACCOUNT_ID, startMoto } from '../packages/adapters-aws/test/support/moto.js';
import { scannedImageFromEcr } from '../packages/core/src/ecr/index.js';
import { toAsffFindings } from '../packages/core/src/index.js';
import type { BenchContext, BenchResult } from './harness.js';
import { syntheticScan } from './mapping.bench.js';

export const name = 'import';
export const description =
  'importing 5,000 vulnerabilities through a proxy that enforces the BatchImportFindings quota';

const VULNERABILITIES = 5_000;

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const { response } = syntheticScan(VULNERABILITIES);
  const scan = { ...(response as Record<string, unknown>), registryId: MOTO_ACCOUNT_ID };
  const findings = toAsffFindings(scannedImageFromEcr(scan, { region: 'us-east-1' }));
  const moto = await startMoto();
  const proxy = await startFaultProxy({
    upstream: moto.endpoint,
    maxRequestsPerSecond: 10,
    burst: 30,
    appliesTo: ({ method, path }) => method === 'POST' && path === BATCH_IMPORT_FINDINGS_PATH,
  });
  try {
    const publisher = new SecurityHubFindingsPublisher({
      client: new SecurityHubClient(awsClientConfig(proxy.endpoint, moto.region, 1)),
    });
    ctx.progress(`importing ${findings.length} findings...`);
    const start = performance.now();
    const result = await publisher.publish(findings);
    const seconds = (performance.now() - start) / 1000;
    const stats = proxy.stats();
    const calls = stats.byPath[`POST ${BATCH_IMPORT_FINDINGS_PATH}`] ?? 0;
    const minimum = Math.ceil(findings.length / 100);
    const retries = stats.throttled + stats.serverErrors;
    const floor = findings.length / 1000;
    ctx.log(
      `${findings.length} findings: ${calls} BatchImportFindings calls (minimum ${minimum}, throttled ${stats.throttled}), ` +
        `${result.succeeded} imported, ${result.failed.length} failed; ${seconds.toFixed(2)} s against a quota floor of ${floor.toFixed(1)} s`,
    );
    return [
      {
        name: 'findings imported',
        value: result.succeeded,
        unit: 'findings',
        goal: `= ${findings.length}`,
        pass: result.succeeded === findings.length,
      },
      {
        name: 'BatchImportFindings calls',
        value: calls,
        unit: 'calls',
        goal: `= ${minimum} + ${retries} retries`,
        pass: calls === minimum + retries,
      },
      { name: 'calls throttled by the proxy', value: stats.throttled, unit: 'calls' },
      {
        name: 'elapsed',
        value: seconds,
        unit: 's',
        goal: `<= ${(1.5 * floor).toFixed(1)} (1.5 x floor)`,
        pass: seconds <= 1.5 * floor,
      },
    ];
  } finally {
    await proxy.close();
    await moto.stop();
  }
}
