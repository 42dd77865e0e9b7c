/**
 * Issue 5 §6: what a re-scan costs. One image of 1,000 vulnerabilities is scanned four times
 * into Security Hub (moto) through a counting proxy, with the real store and publisher: as a new
 * image, again unchanged (a later scan), again with one vulnerability fixed, and unchanged once
 * more 30 days after the first scan, when the keep-alive imports the unchanged findings again.
 * With the state of record (DynamoDB, issue 12 §3) in front of Security Hub, as on-image-scan runs.
 * Figures per scan: GetFindings calls, BatchImportFindings calls, findings imported (each one a
 * Security Hub ingestion event), and the DynamoDB requests. Goals: an unchanged re-scan imports the
 * image finding only, a fix the image finding and the archived one; GetFindings only once, to adopt
 * the new image; one query page per scan.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SecurityHubFindingsPublisher } from '../packages/adapters-aws/src/securityhub/SecurityHubFindingsPublisher.js';
import { SecurityHubFindingsStore } from '../packages/adapters-aws/src/securityhub/SecurityHubFindingsStore.js';
import { withStateOfRecord } from '../packages/adapters-aws/src/state/DynamoDbFindingsState.js';
import {
  BATCH_IMPORT_FINDINGS_PATH,
  startFaultProxy,
} from '../packages/adapters-aws/test/support/fault-proxy.js';
import { awsClientConfig, MOTO_ACCOUNT_ID, startMoto } from '../packages/adapters-aws/test/support/moto.js';
import { createStateTable } from '../packages/adapters-aws/test/support/scenario.js';
import { DEFAULT_KEEP_ALIVE_DAYS } from '../packages/core/src/config.js';
import { scannedImageFromEcr } from '../packages/core/src/ecr/index.js';
import { reconcileScan, type ScanFindingsSource, type ScannedImage } from '../packages/core/src/index.js';
import type { BenchContext, BenchResult } from './harness.js';
import { syntheticScan } from './mapping.bench.js';

export const name = 'lifecycle';
export const description =
  'calls and imported findings of a new image, an unchanged re-scan, a re-scan with one fix, and the keep-alive';

const VULNERABILITIES = 1_000;
const DAY = 24 * 60 * 60 * 1000;
const PAGE = 100;
const STATE_TABLE = 'ecr-compliance-state';

/** One scan of the benchmark and what it should cost. */
interface Scenario {
  readonly label: string;
  readonly image: ScannedImage;
  /** Findings the state holds before the scan (0: a new image, which GetFindings is asked about once). */
  readonly stored: number;
  /** Findings the scan should import. */
  readonly imported: number;
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const { response } = syntheticScan(VULNERABILITIES);
  const base = scannedImageFromEcr(
    { ...(response as object), registryId: MOTO_ACCOUNT_ID },
    { region: 'us-east-1' },
  );
  const at = (days: number) => new Date(Date.parse(base.scanCompletedAt) + days * DAY).toISOString();
  const all = VULNERABILITIES + 1;
  const fixed = base.vulnerabilities.slice(1);
  const scenarios: readonly Scenario[] = [
    { label: 'new image', image: base, stored: 0, imported: all },
    { label: 'unchanged re-scan', image: { ...base, scanCompletedAt: at(1) }, stored: all, imported: 1 },
    {
      label: 're-scan with one fix',
      image: { ...base, scanCompletedAt: at(2), vulnerabilities: fixed },
      stored: all,
      imported: 2,
    },
    {
      // The 999 findings still open were last imported 30 days ago: the default keep-alive age.
      label: `unchanged re-scan after ${DEFAULT_KEEP_ALIVE_DAYS} days (keep-alive)`,
      image: { ...base, scanCompletedAt: at(DEFAULT_KEEP_ALIVE_DAYS), vulnerabilities: fixed },
      stored: all,
      imported: fixed.length + 1,
    },
  ];
  const moto = await startMoto();
  const proxy = await startFaultProxy({ upstream: moto.endpoint });
  const results: BenchResult[] = [];
  try {
    const client = new SecurityHubClient(awsClientConfig(proxy.endpoint, moto.region, 1));
    await createStateTable(awsClientConfig(moto.endpoint, moto.region), STATE_TABLE);
    const dynamoDb = new DynamoDBClient(awsClientConfig(proxy.endpoint, moto.region));
    // As on-image-scan composes them: the state of record in front of Security Hub.
    const deps = withStateOfRecord(
      {
        store: new SecurityHubFindingsStore({ client }),
        publisher: new SecurityHubFindingsPublisher({ client }),
      },
      { client: dynamoDb, tableName: STATE_TABLE },
    );
    for (const { label, image, stored, imported: expected } of scenarios) {
      const source: ScanFindingsSource = { getScan: async () => image };
      proxy.resetStats();
      const result = await reconcileScan(
        { ...deps, source },
        { repositoryName: image.repositoryName },
        { now: new Date().toISOString() },
      );
      const byPath = proxy.stats().byPath;
      const reads = byPath['POST /findings'] ?? 0;
      const imports = byPath[`POST ${BATCH_IMPORT_FINDINGS_PATH}`] ?? 0;
      const queries = byPath['POST / DynamoDB_20120810.Query'] ?? 0;
      const contentReads = byPath['POST / DynamoDB_20120810.BatchGetItem'] ?? 0;
      const puts = byPath['POST / DynamoDB_20120810.PutItem'] ?? 0;
      const deletes = byPath['POST / DynamoDB_20120810.BatchWriteItem'] ?? 0;
      const imported = result.outcome === 'imported' ? result.publish.succeeded : 0;
      const archived = result.outcome === 'imported' ? result.archived : 0;
      const unchanged = result.outcome === 'imported' ? result.unchanged : 0;
      ctx.log(
        `${label}: ${reads} GetFindings, ${imports} BatchImportFindings calls, ${imported} findings imported (${archived} archived, ${unchanged} unchanged left alone); ` +
          `DynamoDB: ${queries} Query pages, ${contentReads} BatchGetItem, ${puts} PutItem (segments and head), ${deletes} BatchWriteItem (deletes of what nothing refers to)`,
      );
      const goal = (value: number, wanted: number) => ({ goal: `= ${wanted}`, pass: value === wanted });
      // GetFindings only adopts an image without a record: the new image, once (there is nothing to adopt).
      const readsWanted = stored === 0 ? 1 : 0;
      const importsWanted = Math.ceil(expected / PAGE);
      results.push(
        { name: `${label}: GetFindings calls`, value: reads, unit: 'calls', ...goal(reads, readsWanted) },
        {
          name: `${label}: DynamoDB query pages`,
          value: queries,
          unit: 'pages',
          goal: '<= 1',
          pass: queries <= 1,
        },
        { name: `${label}: DynamoDB PutItem calls`, value: puts, unit: 'calls' },
        { name: `${label}: DynamoDB BatchWriteItem calls (deletes)`, value: deletes, unit: 'calls' },
        {
          name: `${label}: BatchImportFindings calls`,
          value: imports,
          unit: 'calls',
          ...goal(imports, importsWanted),
        },
        {
          name: `${label}: findings imported`,
          value: imported,
          unit: 'findings',
          ...goal(imported, expected),
        },
      );
    }
    dynamoDb.destroy();
  } finally {
    await proxy.close();
    await moto.stop();
  }
  return results;
}
