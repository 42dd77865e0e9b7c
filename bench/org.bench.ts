/**
 * Issue 12 §3: the whole organization at once. 20 member accounts x 2 Regions, one image of 1,000
 * vulnerabilities each, imported as the central on-image-scan function does it (the real Security
 * Hub store and publisher per account and Region with that account's credentials, the state of
 * record in the central account's DynamoDB table, each run holding its image), by
 * `DEFAULT_ORGANIZATION_CONCURRENCY` concurrent instances, into moto through a proxy that enforces
 * Security Hub's quotas per account and Region (BatchImportFindings 10/s burst 30, GetFindings 3/s
 * burst 6; AWS-FACTS §11.3). Then every image again, unchanged, a day later.
 *
 * Figures: the total time of the first imports against one account-Region's quota floor (its
 * BatchImportFindings calls at 10 a second, as the import benchmark counts it; goal 1.5x); the
 * BatchImportFindings calls against the minimum; for the unchanged re-scan, the GetFindings calls
 * (goal 0) and the DynamoDB query pages per image (goal at most 1).
 */
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { SecurityHubFindingsPublisher } from '../packages/adapters-aws/src/securityhub/SecurityHubFindingsPublisher.js';
import { SecurityHubFindingsStore } from '../packages/adapters-aws/src/securityhub/SecurityHubFindingsStore.js';
import { holding, withStateOfRecord } from '../packages/adapters-aws/src/state/DynamoDbFindingsState.js';
import {
  BATCH_IMPORT_FINDINGS_PATH,
  startFaultProxy,
} from '../packages/adapters-aws/test/support/fault-proxy.js';
import { awsClientConfig, startMoto } from '../packages/adapters-aws/test/support/moto.js';
import { createStateTable } from '../packages/adapters-aws/test/support/scenario.js';
import { scannedImageFromEcr } from '../packages/core/src/ecr/index.js';
import { type ReconcileScanResult, reconcileScan } from '../packages/core/src/index.js';
import { DEFAULT_ORGANIZATION_CONCURRENCY } from '../packages/infra/src/organization/OrganizationOptions.js';
import type { BenchContext, BenchResult } from './harness.js';
import { syntheticScan } from './mapping.bench.js';

export const name = 'org';
export const description =
  '20 accounts x 2 Regions, one 1,000-vulnerability image each, through per-account-and-Region quotas, with the state of record';

/** 20; ORG_BENCH_ACCOUNTS overrides it for a quicker try. */
const ACCOUNTS = Number(process.env.ORG_BENCH_ACCOUNTS ?? 20);
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const VULNERABILITIES = 1_000;
const TABLE = 'ecr-compliance-state';
const GET_FINDINGS = 'POST /findings';
const QUERY = 'POST / DynamoDB_20120810.Query';

interface Place {
  readonly accountId: string;
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
}

/** Runs `work` for every item with at most `limit` at once (Lambda's reserved concurrency). */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i] as T);
      }
    }),
  );
  return out;
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const moto = await startMoto();
  const quotas: Record<string, { ratePerSecond: number; burst: number }> = {
    [`POST ${BATCH_IMPORT_FINDINGS_PATH}`]: { ratePerSecond: 10, burst: 30 },
    [GET_FINDINGS]: { ratePerSecond: 3, burst: 6 },
  };
  const proxy = await startFaultProxy({
    upstream: moto.endpoint,
    // moto's DynamoDB Query takes longer as the table grows (up to a second or more at 80,000 items)
    // and answers one request at a time on this machine's two cores.
    upstreamTimeoutMs: 600_000,
    // One bucket per credentials (one account each here), Region and operation.
    quotaOf: ({ method, path, accessKeyId, region }) => {
      const quota = quotas[`${method} ${path}`];
      return quota ? { key: `${accessKeyId} ${region} ${method} ${path}`, ...quota } : undefined;
    },
  });
  try {
    const central = awsClientConfig(moto.endpoint, REGIONS[0]);
    const organizations = new OrganizationsClient(central);
    await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const sts = new STSClient(central);
    const places: Place[] = [];
    for (let i = 0; i < ACCOUNTS; i += 1) {
      const created = await organizations.send(
        new CreateAccountCommand({ AccountName: `member-${i}`, Email: `member-${i}@example.com` }),
      );
      const accountId = created.CreateAccountStatus?.AccountId ?? '';
      for (const region of REGIONS) {
        // The member role of the Region, as StsAccountCredentials assumes it (moto acts in its account).
        const assumed = await sts.send(
          new AssumeRoleCommand({
            RoleArn: `arn:aws:iam::${accountId}:role/ecr-compliance-import-${region}`,
            RoleSessionName: 'ecr-compliance-bench',
          }),
        );
        places.push({
          accountId,
          region,
          credentials: {
            accessKeyId: assumed.Credentials?.AccessKeyId ?? '',
            secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '',
            sessionToken: assumed.Credentials?.SessionToken ?? '',
          },
        });
      }
    }
    await createStateTable(central, TABLE);
    const dynamoDb = new DynamoDBClient(awsClientConfig(proxy.endpoint, REGIONS[0]));
    const { response } = syntheticScan(VULNERABILITIES);

    /** One place's import of its image scanned `day` days after the synthetic scan, as one function instance runs it. */
    const importPlace =
      (day: number) =>
      async (place: Place): Promise<ReconcileScanResult> => {
        const base = scannedImageFromEcr(
          { ...(response as Record<string, unknown>), registryId: place.accountId },
          { region: place.region },
        );
        const scanned = {
          ...base,
          scanCompletedAt: new Date(Date.parse(base.scanCompletedAt) + day * 86_400_000).toISOString(),
        };
        const securityHub = new SecurityHubClient({
          ...awsClientConfig(proxy.endpoint, place.region, 1),
          credentials: place.credentials,
        });
        const ports = withStateOfRecord(
          {
            store: new SecurityHubFindingsStore({ client: securityHub }),
            publisher: new SecurityHubFindingsPublisher({ client: securityHub }),
          },
          { client: dynamoDb, tableName: TABLE },
        );
        try {
          return await holding(ports.state, scanned, () =>
            reconcileScan(
              { source: { getScan: async () => scanned }, ...ports },
              {
                accountId: place.accountId,
                repositoryName: scanned.repositoryName,
                imageDigest: scanned.imageDigest,
              },
              { now: new Date().toISOString() },
            ),
          );
        } finally {
          securityHub.destroy();
        }
      };

    ctx.progress(`importing ${places.length} images of ${VULNERABILITIES} vulnerabilities...`);
    proxy.resetStats();
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const first = await pool(places, DEFAULT_ORGANIZATION_CONCURRENCY, importPlace(0));
    const seconds = (performance.now() - started) / 1000;
    // This process only (the mapping, the adapters, the SDK and the proxy); moto runs apart.
    const cpu = process.cpuUsage(cpuBefore);
    const ownSeconds = (cpu.user + cpu.system) / 1e6;
    const firstStats = proxy.stats();
    const imported = first.reduce((n, r) => n + (r.outcome === 'imported' ? r.publish.succeeded : 0), 0);
    const perImage = VULNERABILITIES + 1;
    const minimumCalls = places.length * Math.ceil(perImage / 100);
    const importCalls = firstStats.byPath[`POST ${BATCH_IMPORT_FINDINGS_PATH}`] ?? 0;
    const floor = Math.ceil(perImage / 100) / 10;

    ctx.progress('re-scanning every image, unchanged...');
    proxy.resetStats();
    const rescanStarted = performance.now();
    const again = await pool(places, DEFAULT_ORGANIZATION_CONCURRENCY, importPlace(1));
    const rescanSeconds = (performance.now() - rescanStarted) / 1000;
    const rescanStats = proxy.stats();
    const unchanged = again.every((r) => r.outcome === 'imported' && r.unchanged === VULNERABILITIES);
    const rescanGetFindings = rescanStats.byPath[GET_FINDINGS] ?? 0;
    const queryPages = (rescanStats.byPath[QUERY] ?? 0) / places.length;
    const rescanImports = rescanStats.byPath[`POST ${BATCH_IMPORT_FINDINGS_PATH}`] ?? 0;
    dynamoDb.destroy();

    ctx.log(
      `${places.length} images (${ACCOUNTS} accounts x ${REGIONS.length} Regions), ${DEFAULT_ORGANIZATION_CONCURRENCY} at once: ` +
        `${imported} findings imported in ${seconds.toFixed(2)} s against one account-Region's quota floor of ${floor.toFixed(1)} s ` +
        `(${(seconds / floor).toFixed(2)}x; one after the other the floor would be ${(places.length * floor).toFixed(0)} s); ` +
        `${importCalls} BatchImportFindings calls (minimum ${minimumCalls}, ${firstStats.throttled} throttled and retried), ` +
        `${firstStats.byPath[GET_FINDINGS] ?? 0} GetFindings (one adoption read per image); ` +
        `${ownSeconds.toFixed(1)} s of CPU in this process (the rest is the emulator)`,
    );
    ctx.log(
      `unchanged re-scan of all ${places.length}: ${rescanGetFindings} GetFindings, ${queryPages.toFixed(2)} DynamoDB query pages per image, ` +
        `${rescanImports} BatchImportFindings calls (the image findings), ${rescanSeconds.toFixed(2)} s`,
    );
    return [
      {
        name: 'findings imported',
        value: imported,
        unit: 'findings',
        goal: `= ${places.length * perImage}`,
        pass: imported === places.length * perImage,
      },
      {
        name: 'first imports, total time / one account-Region quota floor',
        value: seconds / floor,
        unit: 'ratio',
        goal: '<= 1.5',
        pass: seconds / floor <= 1.5,
      },
      { name: 'first imports, total time', value: seconds, unit: 's' },
      { name: 'first imports, CPU of this process (not the emulator)', value: ownSeconds, unit: 's' },
      {
        name: 'BatchImportFindings calls',
        value: importCalls,
        unit: 'calls',
        // Every call over the minimum is the retry of a throttled one.
        goal: `= ${minimumCalls} + retries of throttled calls`,
        pass: importCalls >= minimumCalls && importCalls - minimumCalls <= firstStats.throttled,
      },
      { name: 'calls throttled by the per-place quotas', value: firstStats.throttled, unit: 'calls' },
      {
        name: 'unchanged re-scan: GetFindings calls',
        value: rescanGetFindings,
        unit: 'calls',
        goal: '= 0',
        pass: rescanGetFindings === 0 && unchanged,
      },
      {
        name: 'unchanged re-scan: DynamoDB query pages per image',
        value: queryPages,
        unit: 'pages',
        goal: '<= 1',
        pass: queryPages <= 1,
      },
      {
        name: 'unchanged re-scan: BatchImportFindings calls',
        value: rescanImports,
        unit: 'calls',
        goal: `= ${places.length}`,
        pass: rescanImports === places.length,
      },
    ];
  } finally {
    await proxy.close();
    await moto.stop();
  }
}
