/**
 * The lifecycle of a Trivy report against moto in server mode, through the command line as CI
 * runs it (`trivy image -f json IMAGE | ecr-compliance import --format trivy -`): import, the same
 * report again, a dry run and then the newer report with one vulnerability fixed, and an older
 * report that arrives late. Every call goes through the counting proxy, as in lifecycle.test.ts,
 * so each step also says what it cost. The image finding of an ECR scan of the same image is
 * imported beside them and never touched: the scanners' findings do not overwrite each other.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type AwsSecurityFinding, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { DynamoDbFindingsState } from '../../src/state/DynamoDbFindingsState.js';
import { memoryIo } from '../support/cliIo.js';
import { BATCH_IMPORT_FINDINGS_PATH, type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { awsClientConfig, MOTO_ACCOUNT_ID, type MotoServer, startMoto } from '../support/moto.js';
import { createStateTable } from '../support/scenario.js';

const STATE_TABLE = 'ecr-compliance-state';

/** How many findings the deployment's table records for the image (read through the state's own decoder). */
async function recordedFindings(): Promise<number> {
  const dynamoDb = new DynamoDBClient(awsClientConfig(moto.endpoint, moto.region));
  try {
    const reader = new DynamoDbFindingsState({
      client: dynamoDb,
      tableName: STATE_TABLE,
      adoptFrom: { findingsOf: () => Promise.reject(new Error('recordedFindings() adopts nothing')) },
    });
    const image = {
      accountId: MOTO_ACCOUNT_ID,
      region: 'us-east-1',
      repositoryName: REPOSITORY,
      imageDigest: DIGEST,
    };
    return (await reader.records(image)).length;
  } finally {
    dynamoDb.destroy();
  }
}

const REPOSITORY = 'team-t/checkout';
const DIGEST = 'sha256:5f1d3c0e7a2b9d8c4e6f1a3b5c7d9e0f2a4b6c8d0e1f3a5b7c9d1e3f5a7b9c0d';

const vulnerability = (id: string, severity: string, pkg: string, fixed?: string) => ({
  VulnerabilityID: id,
  PkgName: pkg,
  InstalledVersion: '1.0-1',
  ...(fixed ? { FixedVersion: fixed, Status: 'fixed' } : { Status: 'affected' }),
  Severity: severity,
  Title: `${pkg}: ${id}`,
  PrimaryURL: `https://avd.aquasec.com/nvd/${id.toLowerCase()}`,
});
const HIGH = vulnerability('CVE-2024-6119', 'HIGH', 'openssl', '3.0.14-1');
const HIGH_OTHER_PACKAGE = vulnerability('CVE-2024-6119', 'HIGH', 'libssl3', '3.0.14-1');
const MEDIUM = vulnerability('CVE-2023-50495', 'MEDIUM', 'ncurses-base');
const LOW = vulnerability('CVE-2022-0001', 'LOW', 'zlib1g', '1:1.2.13-2');

/** A Trivy report of the image, made at `createdAt`, reporting `vulnerabilities`. */
function report(createdAt: string, vulnerabilities: readonly object[]) {
  const ref = `${MOTO_ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com/${REPOSITORY}`;
  return {
    SchemaVersion: 2,
    CreatedAt: createdAt,
    ArtifactName: `${ref}:2.4.0`,
    ArtifactType: 'container_image',
    Metadata: {
      ImageID: 'sha256:0000000000000000000000000000000000000000000000000000000000000001',
      RepoTags: [`${ref}:2.4.0`],
      RepoDigests: [`${ref}@${DIGEST}`],
    },
    Results: [
      {
        Target: `${ref}:2.4.0 (debian 12.8)`,
        Class: 'os-pkgs',
        Type: 'debian',
        Vulnerabilities: vulnerabilities,
      },
    ],
  };
}

const T1 = '2026-11-28T09:00:00+01:00';
const T2 = '2026-11-29T09:00:00+01:00';
const LATE = '2026-11-28T21:00:00+01:00';

let moto: MotoServer;
let proxy: FaultProxy;
let securityHub: SecurityHubClient;

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startFaultProxy({ upstream: moto.endpoint });
  securityHub = new SecurityHubClient(awsClientConfig(moto.endpoint, moto.region));
  // The SDK's standard credential chain reads these, as it would a real profile.
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  await createStateTable(awsClientConfig(moto.endpoint, moto.region), STATE_TABLE);
});

afterAll(async () => {
  securityHub?.destroy();
  await proxy?.close();
  await moto?.stop();
});

/** Pipes `body` into `ecr-compliance import --format trivy - ...` through the proxy, and what it cost. */
async function pipe(body: unknown, ...extra: string[]) {
  const { io, stdout, stderr } = memoryIo({ stdin: JSON.stringify(body), env: {} });
  proxy.resetStats();
  const code = await run(
    ['import', '--format', 'trivy', '-', '--endpoint-url', proxy.endpoint, ...extra],
    io,
  );
  const stats = proxy.stats();
  const ids = Object.entries(stats.importedFindingIds);
  return {
    code,
    stderr: stderr(),
    result: stdout() ? JSON.parse(stdout()) : undefined,
    cost: {
      reads: stats.byPath['POST /findings'] ?? 0,
      imports: stats.byPath[`POST ${BATCH_IMPORT_FINDINGS_PATH}`] ?? 0,
      findings: ids.reduce((sum, [, n]) => sum + n, 0),
      imported: ids.map(([id]) => id.match(/\/vulnerability\/(.+)$/)?.[1] ?? 'image').sort(),
    },
  };
}

/** The image's findings in moto, by GeneratorId and vulnerability id ('image' for the image finding). */
async function stateOf(): Promise<Record<string, AwsSecurityFinding>> {
  const out: Record<string, AwsSecurityFinding> = {};
  let token: string | undefined;
  do {
    const page = await securityHub.send(new GetFindingsCommand({ MaxResults: 100, NextToken: token }));
    for (const f of page.Findings ?? [])
      if (f.Id?.includes(DIGEST)) out[`${f.GeneratorId} ${f.Vulnerabilities?.[0]?.Id ?? 'image'}`] = f;
    token = page.NextToken || undefined;
  } while (token);
  return out;
}

const summary = (state: Record<string, AwsSecurityFinding>) =>
  Object.fromEntries(Object.entries(state).map(([k, f]) => [k, `${f.RecordState} ${f.UpdatedAt}`]));

describe('the lifecycle of a Trivy report against the emulator', () => {
  it('imports, imports nothing again, archives a fix, and ignores an older report that arrives late', async () => {
    // An ECR scan of the same image: its findings must survive everything below.
    const ecr = memoryIo({
      stdin: JSON.stringify({
        registryId: MOTO_ACCOUNT_ID,
        repositoryName: REPOSITORY,
        imageId: { imageDigest: DIGEST },
        imageScanStatus: { status: 'COMPLETE' },
        imageScanFindings: { imageScanCompletedAt: 1795169762, findings: [] },
      }),
    });
    expect(await run(['findings', '--region', 'us-east-1', '--granularity', 'image'], ecr.io)).toBe(0);
    const { BatchImportFindingsCommand } = await import('@aws-sdk/client-securityhub');
    await securityHub.send(new BatchImportFindingsCommand({ Findings: JSON.parse(ecr.stdout()) }));

    // First import: three vulnerabilities (one in two packages) and the image finding.
    let step = await pipe(report(T1, [HIGH, MEDIUM, HIGH_OTHER_PACKAGE, LOW]));
    expect([step.code, step.stderr]).toEqual([0, 'imported 4/4 findings\n']);
    expect(step.result).toEqual({
      repository: REPOSITORY,
      imageDigest: DIGEST,
      scanner: 'trivy',
      outcome: 'imported',
      vulnerabilities: 3,
      findings: 4,
      created: 4,
      reactivated: 0,
      unchanged: 0,
      archived: 0,
      imported: 4,
      requests: 1,
    });
    expect(step.cost).toEqual({
      reads: 1,
      imports: 1,
      findings: 4,
      imported: [HIGH.VulnerabilityID, MEDIUM.VulnerabilityID, LOW.VulnerabilityID, 'image'].sort(),
    });
    const first = await stateOf();
    expect(Object.keys(first).sort()).toEqual(
      [
        'ecr-compliance/ecr-basic/image image',
        `ecr-compliance/trivy ${LOW.VulnerabilityID}`,
        `ecr-compliance/trivy ${MEDIUM.VulnerabilityID}`,
        `ecr-compliance/trivy ${HIGH.VulnerabilityID}`,
        'ecr-compliance/trivy/image image',
      ].sort(),
    );
    const high = first[`ecr-compliance/trivy ${HIGH.VulnerabilityID}`];
    expect(high?.Vulnerabilities?.[0]?.VulnerablePackages?.map((p) => p.Name)).toEqual([
      'openssl',
      'libssl3',
    ]);
    expect(high?.Severity?.Label).toBe('HIGH');
    expect(high?.Resources?.[0]?.Id).toBe(
      `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${REPOSITORY}/${DIGEST}`,
    );
    expect(high?.UpdatedAt).toBe('2026-11-28T08:00:00.000Z');

    // The same report again: one read, nothing imported.
    step = await pipe(report(T1, [HIGH, MEDIUM, HIGH_OTHER_PACKAGE, LOW]));
    expect(step.code).toBe(0);
    expect(step.result).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/: a repeated event$/),
    });
    expect(step.cost).toEqual({ reads: 1, imports: 0, findings: 0, imported: [] });
    expect(await stateOf()).toEqual(first);

    // The newer report without the medium one, first as a dry run: read, print, write nothing.
    const fixed = report(T2, [HIGH, HIGH_OTHER_PACKAGE, LOW]);
    step = await pipe(fixed, '--dry-run');
    expect(step.code).toBe(0);
    expect(step.result).toMatchObject({
      scanner: 'trivy',
      dryRun: true,
      outcome: 'would import',
      created: 0,
      unchanged: 2,
      archived: 1,
      import: [expect.stringMatching(/\/image$/)],
      archive: [expect.stringMatching(new RegExp(`/vulnerability/${MEDIUM.VulnerabilityID}$`))],
    });
    expect(step.cost).toEqual({ reads: 1, imports: 0, findings: 0, imported: [] });
    expect(await stateOf()).toEqual(first);

    // Then for real: the image finding and the archived one, nothing else.
    step = await pipe(fixed);
    expect(step.result).toMatchObject({
      outcome: 'imported',
      created: 0,
      unchanged: 2,
      archived: 1,
      imported: 2,
    });
    expect(step.cost).toEqual({
      reads: 1,
      imports: 1,
      findings: 2,
      imported: [MEDIUM.VulnerabilityID, 'image'].sort(),
    });
    const afterFix = await stateOf();
    expect(summary(afterFix)).toEqual({
      ...summary(first),
      [`ecr-compliance/trivy ${MEDIUM.VulnerabilityID}`]: 'ARCHIVED 2026-11-29T08:00:00.000Z',
      'ecr-compliance/trivy/image image': 'ACTIVE 2026-11-29T08:00:00.000Z',
    });
    expect(afterFix[`ecr-compliance/trivy ${MEDIUM.VulnerabilityID}`]?.CreatedAt).toBe(
      first[`ecr-compliance/trivy ${MEDIUM.VulnerabilityID}`]?.CreatedAt,
    );

    // An older report (made between the two) arrives late: it still reports the medium one, and
    // changes nothing.
    step = await pipe(report(LATE, [HIGH, MEDIUM, HIGH_OTHER_PACKAGE, LOW]));
    expect(step.result).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/: an older event$/),
    });
    expect(step.cost).toEqual({ reads: 1, imports: 0, findings: 0, imported: [] });
    expect(await stateOf()).toEqual(afterFix);
    expect(afterFix['ecr-compliance/ecr-basic/image image']).toEqual(
      first['ecr-compliance/ecr-basic/image image'],
    );
  });

  it('refuses a report without a time unless --scanned-at is given, before any call', async () => {
    const { CreatedAt: _, ...timeless } = report(T1, [LOW]);
    const refused = await pipe(timeless);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'ecr-compliance: CreatedAt: the report does not say when it was made, which orders reports; pass --scanned-at\n',
    );
    expect(refused.cost).toEqual({ reads: 0, imports: 0, findings: 0, imported: [] });
    const dated = await pipe(timeless, '--scanned-at', '2026-11-30T00:00:00Z', '--dry-run');
    expect(dated.code).toBe(0);
    expect(dated.result).toMatchObject({ dryRun: true, outcome: 'would import' });
  });
  it("with --state-table, decides on the deployment's state of record: a dry run writes nothing, the first import adopts, the next reads no GetFindings", async () => {
    const T3 = '2026-11-30T09:00:00+01:00';
    const T4 = '2026-12-01T09:00:00+01:00';
    const dry = await pipe(report(T3, [HIGH, LOW]), '--state-table', STATE_TABLE, '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.result).toMatchObject({ dryRun: true, outcome: 'would import' });
    expect(dry.cost.imports).toBe(0);
    expect(await recordedFindings()).toBe(0);

    // The findings the earlier imports left in Security Hub are adopted with one read, then recorded.
    const adopted = await pipe(report(T3, [HIGH, LOW]), '--state-table', STATE_TABLE);
    expect(adopted.code, adopted.stderr).toBe(0);
    expect(adopted.cost.reads).toBe(1);
    expect(await recordedFindings()).toBeGreaterThanOrEqual(4);

    const unchanged = await pipe(report(T4, [HIGH, LOW]), '--state-table', STATE_TABLE);
    expect(unchanged.code, unchanged.stderr).toBe(0);
    expect(unchanged.result).toMatchObject({ outcome: 'imported', unchanged: 2, archived: 0 });
    expect(unchanged.cost).toMatchObject({ reads: 0, imports: 1, imported: ['image'] });
  });
});
