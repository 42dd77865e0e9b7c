/**
 * Issue 12 §3: the whole organization at once. 20 member accounts x 2 Regions, one image of 1,000
 * vulnerabilities each, imported as the central on-image-scan function does it (the real Security
 * Hub store and publisher per account and Region with that account's credentials, the state of
 * record in the central account's DynamoDB table, each run holding its image), one function
 * instance a place at once (`organization.concurrency` set to the number of places), into moto
 * through a proxy that enforces Security Hub's quotas per account and Region (BatchImportFindings
 * 10/s burst 30, GetFindings 3/s burst 6; AWS-FACTS §11.3). Then every image again, unchanged, a
 * day later.
 *
 * Two passes, each on a fresh emulator:
 * - at the real quotas. The figure is the total time of the first imports against one
 *   account-Region's quota floor (its BatchImportFindings calls at 10 a second, as the import
 *   benchmark counts it; goal 1.5x). The quotas never bind here (a place's 11 calls fit in the
 *   burst of 30): the time is the emulator's and this process's, which serve all 40 places on the
 *   machine's cores, where Lambda gives each instance its own. The proxy's time by operation says
 *   where it goes.
 * - at quotas slowed down `ORG_BENCH_SLOWDOWN` times (default 50: BatchImportFindings 0.2/s, burst
 *   1, for the proxy and the publisher alike), so that the quotas, not the machine, are what
 *   bounds a place: its floor is then its 11 calls under that bucket (the first at once, ten at
 *   the rate), and the total time against it shows whether the places run in parallel (about 1x)
 *   or in turn (40x).
 *
 * Figures of both: the BatchImportFindings calls against the minimum; for the unchanged re-scan,
 * the GetFindings calls (goal 0) and the DynamoDB query pages per image (goal at most 1).
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
import type { BenchContext, BenchResult } from './harness.js';
import { syntheticScan } from './mapping.bench.js';

export const name = 'org';
export const description =
  '20 accounts x 2 Regions, one 1,000-vulnerability image each, through per-account-and-Region quotas, with the state of record';

/** 20; ORG_BENCH_ACCOUNTS overrides it for a quicker try. */
const ACCOUNTS = Number(process.env.ORG_BENCH_ACCOUNTS ?? 20);
/** How many times slower the quotas of the second pass are. */
const SLOWDOWN = Number(process.env.ORG_BENCH_SLOWDOWN ?? 50);
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const VULNERABILITIES = 1_000;
const TABLE = 'ecr-compliance-state';
const IMPORT = `POST ${BATCH_IMPORT_FINDINGS_PATH}`;
const GET_FINDINGS = 'POST /findings';
const QUERY = 'POST / DynamoDB_20120810.Query';
/** Security Hub's quotas per account and Region (AWS-FACTS §11.3). */
const QUOTAS = {
  [IMPORT]: { ratePerSecond: 10, burst: 30 },
  [GET_FINDINGS]: { ratePerSecond: 3, burst: 6 },
} as const;

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

/** A quota `slowdown` times slower: the rate divided, the burst too but never under one request. */
const slowed = (quota: { ratePerSecond: number; burst: number }, slowdown: number) => ({
  ratePerSecond: quota.ratePerSecond / slowdown,
  burst: Math.max(1, Math.floor(quota.burst / slowdown)),
});

/** How a pass is named in the figures. */
const labelOf = (slowdown: number) => (slowdown === 1 ? 'real quotas' : `quotas ${slowdown}x slower`);

/** What one pass measured. */
interface Pass {
  readonly places: number;
  readonly imported: number;
  readonly seconds: number;
  readonly floor: number;
  readonly cpuSeconds: number;
  readonly importCalls: number;
  readonly throttled: number;
  readonly adoptionReads: number;
  /** Seconds the emulator took to answer, summed over concurrent requests, by operation. */
  readonly emulatorSeconds: Record<string, number>;
  readonly rescanSeconds: number;
  readonly rescanUnchanged: boolean;
  readonly rescanGetFindings: number;
  readonly rescanQueryPages: number;
  readonly rescanImports: number;
  readonly rescanThrottled: number;
}

/** One pass on a fresh emulator, at the quotas slowed down `slowdown` times (1: the real ones). */
async function pass(ctx: BenchContext, slowdown: number): Promise<Pass> {
  const moto = await startMoto();
  const quotas: Record<string, { ratePerSecond: number; burst: number }> = Object.fromEntries(
    Object.entries(QUOTAS).map(([key, quota]) => [key, slowed(quota, slowdown)]),
  );
  const importQuota = quotas[IMPORT] as { ratePerSecond: number; burst: number };
  const proxy = await startFaultProxy({
    upstream: moto.endpoint,
    // The emulator answers the places' requests on this machine's cores.
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
    organizations.destroy();
    sts.destroy();
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
            // Configured for the quota it meets, as a deployment is for Security Hub's; slowed
            // down to a burst of one, 5 % under its rate, since a client paced exactly at it
            // reaches the server's bucket a little early as often as late.
            publisher: new SecurityHubFindingsPublisher({
              client: securityHub,
              ...(slowdown === 1
                ? {}
                : { ratePerSecond: importQuota.ratePerSecond * 0.95, burst: importQuota.burst }),
            }),
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

    const label = labelOf(slowdown);
    ctx.progress(`${label}: importing ${places.length} images of ${VULNERABILITIES} vulnerabilities...`);
    proxy.resetStats();
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const first = await pool(places, places.length, importPlace(0));
    const seconds = (performance.now() - started) / 1000;
    // This process only (the mapping, the adapters, the SDK and the proxy); moto runs apart.
    const cpu = process.cpuUsage(cpuBefore);
    const firstStats = proxy.stats();
    const perImage = VULNERABILITIES + 1;
    const calls = Math.ceil(perImage / 100);
    // At the real quotas, a place's calls at the rate (the import benchmark's floor); slowed down,
    // what the bucket allows: the burst at once, the rest at the rate.
    const floor =
      slowdown === 1
        ? calls / importQuota.ratePerSecond
        : Math.max(0, calls - importQuota.burst) / importQuota.ratePerSecond;

    ctx.progress(`${label}: re-scanning every image, unchanged...`);
    proxy.resetStats();
    const rescanStarted = performance.now();
    const again = await pool(places, places.length, importPlace(1));
    const rescanSeconds = (performance.now() - rescanStarted) / 1000;
    const rescanStats = proxy.stats();
    dynamoDb.destroy();
    return {
      places: places.length,
      imported: first.reduce((n, r) => n + (r.outcome === 'imported' ? r.publish.succeeded : 0), 0),
      seconds,
      floor,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      importCalls: firstStats.byPath[IMPORT] ?? 0,
      throttled: firstStats.throttled,
      adoptionReads: firstStats.byPath[GET_FINDINGS] ?? 0,
      emulatorSeconds: Object.fromEntries(
        Object.entries(firstStats.upstreamMsByPath).map(([key, total]) => [key, total / 1000]),
      ),
      rescanSeconds,
      rescanUnchanged: again.every((r) => r.outcome === 'imported' && r.unchanged === VULNERABILITIES),
      rescanGetFindings: rescanStats.byPath[GET_FINDINGS] ?? 0,
      rescanQueryPages: (rescanStats.byPath[QUERY] ?? 0) / places.length,
      rescanImports: rescanStats.byPath[IMPORT] ?? 0,
      rescanThrottled: rescanStats.throttled,
    };
  } finally {
    await proxy.close();
    await moto.stop();
  }
}

/** An operation's key as the proxy counts it, shortened for the summary. */
const operation = (key: string) =>
  key === IMPORT ? 'BatchImportFindings' : key === GET_FINDINGS ? 'GetFindings' : key.replace(/^.*\./, '');

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const slowdown of [1, SLOWDOWN]) {
    const p = await pass(ctx, slowdown);
    const label = labelOf(slowdown);
    const perImage = VULNERABILITIES + 1;
    const minimumCalls = p.places * Math.ceil(perImage / 100);
    const emulator = Object.entries(p.emulatorSeconds)
      .sort(([, a], [, b]) => b - a)
      .map(([key, total]) => `${operation(key)} ${total.toFixed(1)} s`)
      .join(', ');
    ctx.log(
      `${label}: ${p.places} images (${ACCOUNTS} accounts x ${REGIONS.length} Regions), all at once: ` +
        `${p.imported} findings imported in ${p.seconds.toFixed(2)} s against one account-Region's floor of ${p.floor.toFixed(1)} s ` +
        `(${(p.seconds / p.floor).toFixed(2)}x; one place after the other: ${(p.places * p.floor).toFixed(0)} s); ` +
        `${p.importCalls} BatchImportFindings calls (minimum ${minimumCalls}, ${p.throttled} throttled and retried), ` +
        `${p.adoptionReads} GetFindings (one adoption read per image); ${p.cpuSeconds.toFixed(1)} s of CPU in this process; ` +
        `emulator time summed over concurrent requests: ${emulator}`,
    );
    ctx.log(
      `${label}: unchanged re-scan of all ${p.places}: ${p.rescanGetFindings} GetFindings, ${p.rescanQueryPages.toFixed(2)} DynamoDB query pages per image, ` +
        `${p.rescanImports} BatchImportFindings calls (the image findings), ${p.rescanSeconds.toFixed(2)} s`,
    );
    results.push(
      {
        name: `${label}: findings imported`,
        value: p.imported,
        unit: 'findings',
        goal: `= ${p.places * perImage}`,
        pass: p.imported === p.places * perImage,
      },
      {
        name: `${label}: first imports, total time / one account-Region floor`,
        value: p.seconds / p.floor,
        unit: 'ratio',
        goal: '<= 1.5',
        pass: p.seconds / p.floor <= 1.5,
      },
      { name: `${label}: first imports, total time`, value: p.seconds, unit: 's' },
      { name: `${label}: one account-Region floor`, value: p.floor, unit: 's' },
      {
        name: `${label}: first imports, CPU of this process (not the emulator)`,
        value: p.cpuSeconds,
        unit: 's',
      },
      {
        name: `${label}: BatchImportFindings calls`,
        value: p.importCalls,
        unit: 'calls',
        // Every call over the minimum is the retry of a throttled one.
        goal: `= ${minimumCalls} + retries of throttled calls`,
        pass: p.importCalls >= minimumCalls && p.importCalls - minimumCalls <= p.throttled,
      },
      { name: `${label}: calls throttled by the per-place quotas`, value: p.throttled, unit: 'calls' },
      {
        name: `${label}: unchanged re-scan: GetFindings calls`,
        value: p.rescanGetFindings,
        unit: 'calls',
        goal: '= 0',
        pass: p.rescanGetFindings === 0 && p.rescanUnchanged,
      },
      {
        name: `${label}: unchanged re-scan: DynamoDB query pages per image`,
        value: p.rescanQueryPages,
        unit: 'pages',
        goal: '<= 1',
        pass: p.rescanQueryPages <= 1,
      },
      {
        name: `${label}: unchanged re-scan: BatchImportFindings calls`,
        value: p.rescanImports,
        unit: 'calls',
        // A new run's publisher does not know how much of its place's bucket the last one used.
        goal: `= ${p.places} + retries of throttled calls`,
        pass: p.rescanImports >= p.places && p.rescanImports - p.places <= p.rescanThrottled,
      },
    );
  }
  return results;
}
