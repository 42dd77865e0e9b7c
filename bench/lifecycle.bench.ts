/**
 * Issue 5 §6: what a re-scan costs. One image of 1,000 vulnerabilities is scanned three times
 * into Security Hub (moto) through a counting proxy, with the real store and publisher: as a new
 * image, again unchanged (a later scan), and again with one vulnerability fixed. Figures per
 * scan: GetFindings calls (reading the image's state), BatchImportFindings calls, and findings
 * imported (each one a Security Hub ingestion event).
 */
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SecurityHubFindingsPublisher } from '../packages/adapters-aws/src/securityhub/SecurityHubFindingsPublisher.js';
import { SecurityHubFindingsStore } from '../packages/adapters-aws/src/securityhub/SecurityHubFindingsStore.js';
import {
  BATCH_IMPORT_FINDINGS_PATH,
  startFaultProxy,
} from '../packages/adapters-aws/test/support/fault-proxy.js';
import { awsClientConfig, MOTO_ACCOUNT_ID, startMoto } from '../packages/adapters-aws/test/support/moto.js';
import {
  reconcileScan,
  type ScanFindingsSource,
  type ScannedImage,
  scannedImageFromEcr,
} from '../packages/core/src/index.js';
import type { BenchContext, BenchResult } from './harness.js';
import { syntheticScan } from './mapping.bench.js';

export const name = 'lifecycle';
export const description =
  'calls and imported findings of a new image, an unchanged re-scan and a re-scan with one fix';

const VULNERABILITIES = 1_000;
const DAY = 24 * 60 * 60 * 1000;

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const { response } = syntheticScan(VULNERABILITIES);
  const base = scannedImageFromEcr(
    { ...(response as object), registryId: MOTO_ACCOUNT_ID },
    { region: 'us-east-1' },
  );
  const at = (days: number) => new Date(Date.parse(base.scanCompletedAt) + days * DAY).toISOString();
  const scans: ReadonlyArray<readonly [string, ScannedImage]> = [
    ['new image', base],
    ['unchanged re-scan', { ...base, scanCompletedAt: at(1) }],
    [
      're-scan with one fix',
      { ...base, scanCompletedAt: at(2), vulnerabilities: base.vulnerabilities.slice(1) },
    ],
  ];
  const moto = await startMoto();
  const proxy = await startFaultProxy({ upstream: moto.endpoint });
  const results: BenchResult[] = [];
  try {
    const client = new SecurityHubClient(awsClientConfig(proxy.endpoint, moto.region, 1));
    const deps = {
      store: new SecurityHubFindingsStore({ client }),
      publisher: new SecurityHubFindingsPublisher({ client }),
    };
    for (const [label, image] of scans) {
      const source: ScanFindingsSource = { getScan: async () => image };
      proxy.resetStats();
      const result = await reconcileScan({ ...deps, source }, { repositoryName: image.repositoryName });
      const byPath = proxy.stats().byPath;
      const reads = byPath['POST /findings'] ?? 0;
      const imports = byPath[`POST ${BATCH_IMPORT_FINDINGS_PATH}`] ?? 0;
      const imported = result.outcome === 'imported' ? result.publish.succeeded : 0;
      const archived = result.outcome === 'imported' ? result.archived : 0;
      ctx.log(
        `${label}: ${reads} GetFindings, ${imports} BatchImportFindings calls, ${imported} findings imported (${archived} archived)`,
      );
      results.push(
        { name: `${label}: GetFindings calls`, value: reads, unit: 'calls' },
        { name: `${label}: BatchImportFindings calls`, value: imports, unit: 'calls' },
        { name: `${label}: findings imported`, value: imported, unit: 'findings' },
      );
    }
  } finally {
    await proxy.close();
    await moto.stop();
  }
  return results;
}
