/**
 * Exceptions end to end against moto in server mode, through the real handlers and the command
 * line: adding an exception suppresses the existing finding it covers, with its note; a later
 * scan's matching finding arrives suppressed; automatic remediation does not block for the
 * excepted HIGH vulnerability; at its end the daily schedule gives the findings back to NEW, the
 * image finding counts the vulnerability again, and automatic remediation blocks the repository.
 *
 * moto 5.2.5 has no BatchUpdateFindings (emulator.test.ts): support/batchUpdateFindings.ts answers
 * it in front of the counting proxy with the documented semantics, on the findings moto holds.
 * Security Hub's "Findings - Imported" events are not emitted by moto either: the test hands the
 * finding as Security Hub holds it to on-finding-imported, as the rule would.
 */
import { readFileSync } from 'node:fs';
import {
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  TagResourceCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { BLOCK_STATEMENT_SID } from '@ecr-compliance/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { type BatchUpdateFindingsProxy, startBatchUpdateFindings } from '../support/batchUpdateFindings.js';
import { memoryIo } from '../support/cliIo.js';
import {
  BLOCK_ACTION_ARN,
  type Handler,
  repositoryPolicyText,
  UNBLOCK_ACTION_ARN,
} from '../support/emulatorWorld.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { awsClientConfig, MOTO_ACCOUNT_ID, type MotoServer, startMoto } from '../support/moto.js';
import {
  captureLogs,
  createIdempotencyTable,
  customActionEvent,
  everyFinding,
  findingsImportedEvent,
  handlerEnvironment,
  imageScanEvent,
  lambdaContext,
  loadHandler,
  pushScannedImage,
} from '../support/world.js';

const REPOSITORY = 'team-a/payments-api';
const TABLE = 'ecr-compliance-exceptions';
const HIGH_CVE = 'CVE-2024-6119';
const MEDIUM_CVE = 'CVE-2023-50495';
const SCAN_FINDINGS = [
  {
    name: HIGH_CVE,
    description: 'Possible denial of service in X.509 name checks.',
    uri: 'https://security-tracker.debian.org/tracker/CVE-2024-6119',
    severity: 'HIGH',
    attributes: [
      { key: 'package_version', value: '3.0.13-1~deb12u1' },
      { key: 'package_name', value: 'openssl' },
    ],
  },
  {
    name: MEDIUM_CVE,
    uri: 'https://security-tracker.debian.org/tracker/CVE-2023-50495',
    severity: 'MEDIUM',
    attributes: [{ key: 'package_name', value: 'ncurses' }],
  },
];
const DAY = 24 * 60 * 60 * 1000;
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();

let moto: MotoServer;
let proxy: FaultProxy;
let shim: BatchUpdateFindingsProxy;
let ecr: ECRClient;
let securityHub: SecurityHubClient;
let dynamodb: DynamoDBClient;
let onImageScan: Handler;
let digestA: string;
let digestB: string;
/** Image A's image finding as the first scan imported it: HIGH. */
let imageFindingBefore: AwsSecurityFinding;

const calls = (operation: string) =>
  Object.entries(proxy.stats().byPath)
    .filter(([key]) => key.includes(operation))
    .reduce((sum, [, n]) => sum + n, 0);

const ours = async () =>
  (await everyFinding(securityHub)).filter((f) => f.GeneratorId?.startsWith('ecr-compliance/'));
async function finding(digest: string, what: string): Promise<AwsSecurityFinding> {
  const found = (await ours()).find(
    (f) =>
      f.Resources?.[0]?.Id?.endsWith(digest) &&
      (what === 'image' ? f.GeneratorId?.endsWith('/image') : f.Vulnerabilities?.[0]?.Id === what),
  );
  if (!found) throw new Error(`no ${what} finding of ${digest}`);
  return found;
}

const cli = async (args: string[]) => {
  const { io, stdout, stderr } = memoryIo();
  const code = await run(
    ['exception', ...args, '--table', TABLE, '--region', 'us-east-1', '--endpoint-url', shim.endpoint],
    io,
  );
  return { code, stdout: stdout(), stderr: stderr() };
};
const ADD = [
  'add',
  '--vulnerability',
  HIGH_CVE,
  '--account',
  MOTO_ACCOUNT_ID,
  '--repository',
  REPOSITORY,
  '--package',
  'openssl',
  '--justification',
  'vulnerable_code_not_in_execute_path',
  '--statement',
  'the service never parses client certificates',
  '--owner',
  'payments@example.com',
];

const handler = async (name: string, extra: Record<string, string> = {}) =>
  (
    await loadHandler<{ handler: Handler }>(
      `../../src/handlers/${name}.js`,
      handlerEnvironment(shim.endpoint, { EXCEPTIONS_TABLE_NAME: TABLE, ...extra }),
    )
  ).handler;

/** Runs a handler with its log lines kept off the test output. */
async function quietly<T>(
  work: () => Promise<T>,
): Promise<{ result: T; lines: Array<Record<string, unknown>> }> {
  const logs = captureLogs();
  try {
    return { result: await work(), lines: logs.lines() };
  } finally {
    logs.restore();
  }
}

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startFaultProxy({ upstream: moto.endpoint });
  const config = awsClientConfig(moto.endpoint, moto.region);
  ecr = new ECRClient(config);
  securityHub = new SecurityHubClient(config);
  dynamodb = new DynamoDBClient(config);
  shim = await startBatchUpdateFindings({ upstream: proxy.endpoint, securityHub });
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  await createIdempotencyTable(config, 'ecr-compliance-idempotency');
  await createIdempotencyTable(config, TABLE);
  digestA = await pushScannedImage(ecr, moto.endpoint, moto.region, {
    repository: REPOSITORY,
    tag: '1.8.2',
    findings: SCAN_FINDINGS,
  });
  onImageScan = await handler('on-image-scan');
  await quietly(() =>
    onImageScan(
      imageScanEvent({ id: 'a0000000-0000-4000-8000-000000000001', repository: REPOSITORY, digest: digestA }),
      lambdaContext('on-image-scan'),
    ),
  );
  imageFindingBefore = await finding(digestA, 'image');
}, 60_000);

afterAll(async () => {
  ecr?.destroy();
  securityHub?.destroy();
  dynamodb?.destroy();
  await shim?.close();
  await proxy?.close();
  await moto?.stop();
});

describe('exceptions against the emulator', () => {
  it('the BatchUpdateFindings stand-in keeps UpdatedAt and reports an unknown finding as FindingNotFound', async () => {
    const medium = await finding(digestA, MEDIUM_CVE);
    const client = new SecurityHubClient(awsClientConfig(shim.endpoint, moto.region));
    try {
      const out = await client.send(
        new BatchUpdateFindingsCommand({
          FindingIdentifiers: [
            { Id: medium.Id ?? '', ProductArn: medium.ProductArn ?? '' },
            { Id: 'no-such-finding', ProductArn: medium.ProductArn ?? '' },
          ],
          Note: { Text: 'looked at it', UpdatedBy: 'test' },
        }),
      );
      expect(out.ProcessedFindings).toEqual([{ Id: medium.Id, ProductArn: medium.ProductArn }]);
      expect(out.UnprocessedFindings).toMatchObject([
        { FindingIdentifier: { Id: 'no-such-finding' }, ErrorCode: 'FindingNotFound' },
      ]);
    } finally {
      client.destroy();
      shim.requests.length = 0;
    }
    const after = await finding(digestA, MEDIUM_CVE);
    expect(after.UpdatedAt).toBe(medium.UpdatedAt);
    expect(after.Note?.Text).toBe('looked at it');
  });

  it('the first scan imports the HIGH finding NEW and an image finding at HIGH', async () => {
    expect((await finding(digestA, HIGH_CVE)).Workflow?.Status ?? 'NEW').toBe('NEW');
    expect(imageFindingBefore.Severity?.Label).toBe('HIGH');
  });

  it('add --dry-run prints the finding that would be suppressed and changes nothing', async () => {
    const out = await cli([...ADD, '--expires', inDays(30), '--dry-run', '--output', 'json']);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    const change = JSON.parse(out.stdout);
    expect(change.dryRun).toBe(true);
    expect(change.updates.map((u: any) => [u.status, u.finding.id])).toEqual([
      ['SUPPRESSED', (await finding(digestA, HIGH_CVE)).Id],
    ]);
    expect(shim.requests).toEqual([]);
    expect(
      (await dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: change.exception.id } } })))
        .Item,
    ).toBeUndefined();
  });

  it('adding an exception suppresses the matching existing finding, with its note and id', async () => {
    const expires = inDays(30);
    const out = await cli([...ADD, '--expires', expires, '--id', 'exc-payments-openssl']);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('findings changed: 1');
    const high = await finding(digestA, HIGH_CVE);
    expect(high.Workflow?.Status).toBe('SUPPRESSED');
    expect(high.Note?.Text).toBe(
      `Suppressed by exception exc-payments-openssl of payments@example.com until ${expires} (vulnerable_code_not_in_execute_path): the service never parses client certificates`,
    );
    expect(high.UserDefinedFields).toMatchObject({
      'ecr-compliance/ExceptionId': 'exc-payments-openssl',
      'ecr-compliance/ExceptionState': 'active',
    });
    expect((await finding(digestA, MEDIUM_CVE)).Workflow?.Status ?? 'NEW').toBe('NEW');
    // The BatchUpdateFindings request carried only the exception's fields.
    expect(shim.requests).toHaveLength(1);
    expect(Object.keys(shim.requests[0] ?? {}).sort()).toEqual([
      'FindingIdentifiers',
      'Note',
      'UserDefinedFields',
      'Workflow',
    ]);
    // The image finding counts the excepted vulnerability apart, and its severity is the others'.
    const image = await finding(digestA, 'image');
    expect(image.Severity?.Label).toBe('MEDIUM');
    expect(image.ProductFields?.['ecr-compliance/Count/EXCEPTED']).toBe('1');
    expect(image.ProductFields?.['ecr-compliance/Count/HIGH']).toBe('0');
    expect(Date.parse(image.UpdatedAt ?? '')).toBeGreaterThan(Date.parse(imageFindingBefore.UpdatedAt ?? ''));
    const list = await cli(['list', '--output', 'json']);
    expect(JSON.parse(list.stdout)).toMatchObject([{ id: 'exc-payments-openssl', state: 'active' }]);
  });

  it("a later scan's matching finding arrives suppressed", async () => {
    digestB = await pushScannedImage(ecr, moto.endpoint, moto.region, {
      repository: REPOSITORY,
      tag: '1.9.0',
      findings: SCAN_FINDINGS,
    });
    const { result } = await quietly(() =>
      onImageScan(
        imageScanEvent({
          id: 'b0000000-0000-4000-8000-000000000002',
          repository: REPOSITORY,
          digest: digestB,
        }),
        lambdaContext('on-image-scan', 'scan-b'),
      ),
    );
    expect(result).toMatchObject({
      outcome: 'imported',
      created: 3,
      exceptions: { suppressed: 1, restored: 0, failed: 0 },
    });
    const high = await finding(digestB, HIGH_CVE);
    expect(high.Workflow?.Status).toBe('SUPPRESSED');
    expect(high.Note?.Text).toMatch(
      /^Suppressed by exception exc-payments-openssl of payments@example.com until /,
    );
    expect((await finding(digestB, 'image')).Severity?.Label).toBe('MEDIUM');
  });

  it('with autoRemediation, the excepted HIGH finding does not block', async () => {
    const onFindingImported = await handler('on-finding-imported', { AUTO_REMEDIATION: 'true' });
    // The image finding as the first scan imported it (HIGH): ECR's scan still shows the HIGH
    // vulnerability, but the exception covers it.
    const { result } = await quietly(() =>
      onFindingImported(
        findingsImportedEvent({ id: 'c0000000-0000-4000-8000-000000000003', finding: imageFindingBefore }),
        lambdaContext('on-finding-imported'),
      ),
    );
    expect(result.outcomes).toHaveLength(1);
    expect(result.outcomes[0]).toMatchObject({ status: 'skipped' });
    expect(result.outcomes[0].reason).toMatch(/shows nothing at or above HIGH \(highest: MEDIUM\)/);
    expect(await repositoryPolicyText(ecr, REPOSITORY)).toBeNull();
  });

  it("a person's click still blocks from the suppressed finding, and its note says an exception exists", async () => {
    const onCustomAction = await handler('on-custom-action');
    const high = await finding(digestB, HIGH_CVE);
    const { result } = await quietly(() =>
      onCustomAction(
        customActionEvent({
          id: 'f0000000-0000-4000-8000-000000000006',
          action: BLOCK_ACTION_ARN,
          findings: [high],
        }),
        lambdaContext('on-custom-action'),
      ),
    );
    expect(result.outcomes[0]).toMatchObject({ status: 'blocked', changed: true, audit: { recorded: true } });
    expect((await finding(digestB, HIGH_CVE)).Note?.Text).toMatch(
      /^Blocked pulls: pulls denied \(exception exc-payments-openssl covers this finding; a person's block goes ahead\) on /,
    );
    // Released again by a click, so that the expiry below starts from an unblocked repository.
    await quietly(() =>
      onCustomAction(
        customActionEvent({
          id: 'f0000000-0000-4000-8000-000000000007',
          action: UNBLOCK_ACTION_ARN,
          findings: [high],
        }),
        lambdaContext('on-custom-action', 'unblock'),
      ),
    );
    expect(await repositoryPolicyText(ecr, REPOSITORY)).toBeNull();
  });

  it('at expiry, the findings are NEW again with a note, and automatic remediation blocks the repository', async () => {
    // A second exception that ends within seven days is announced once.
    const soon = await cli([
      'add',
      '--vulnerability',
      MEDIUM_CVE,
      '--account',
      MOTO_ACCOUNT_ID,
      '--repository',
      REPOSITORY,
      '--justification',
      'accepted_risk',
      '--statement',
      'ncurses is replaced in the next base image',
      '--owner',
      'payments@example.com',
      '--expires',
      inDays(3),
      '--id',
      'exc-payments-ncurses',
    ]);
    expect(soon.code).toBe(0);
    // The first exception reaches its end date: as the table holds it then.
    const ended = new Date(Date.now() - 1000).toISOString();
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: { id: { S: 'exc-payments-openssl' } },
        UpdateExpression: 'SET createdAt = :c, expiresAt = :e',
        ExpressionAttributeValues: {
          ':c': { S: new Date(Date.now() - 30 * DAY).toISOString() },
          ':e': { S: ended },
        },
      }),
    );
    const putEventsBefore = calls('PutEvents');
    const onSchedule = await handler('on-exception-schedule', { EVENT_BUS_NAME: 'default' });
    const { result } = await quietly(() =>
      onSchedule(
        {
          version: '0',
          id: 'd0000000-0000-4000-8000-000000000004',
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          detail: {},
        },
        lambdaContext('on-exception-schedule'),
      ),
    );
    expect(result).toMatchObject({
      expired: ['exc-payments-openssl'],
      announced: ['exc-payments-ncurses'],
      restored: 2,
      failed: 0,
    });
    expect(calls('PutEvents') - putEventsBefore).toBe(1);
    for (const digest of [digestA, digestB]) {
      const high = await finding(digest, HIGH_CVE);
      expect(high.Workflow?.Status).toBe('NEW');
      expect(high.Note?.Text).toMatch(
        new RegExp(
          `^Exception exc-payments-openssl expired on ${ended.replaceAll('.', '\\.')}; the finding is NEW again and counts for blocking as any other \\(checked at 20`,
        ),
      );
      expect(high.UserDefinedFields?.['ecr-compliance/ExceptionState']).toBe('ended');
      expect((await finding(digest, 'image')).Severity?.Label).toBe('HIGH');
    }
    expect(
      (
        await dynamodb.send(
          new GetItemCommand({ TableName: TABLE, Key: { id: { S: 'exc-payments-openssl' } } }),
        )
      ).Item,
    ).toBeUndefined();
    const announced = await dynamodb.send(
      new GetItemCommand({ TableName: TABLE, Key: { id: { S: 'exc-payments-ncurses' } } }),
    );
    expect(announced.Item?.announcedAt?.S).toBeDefined();
    // The next run announces nothing again.
    const { result: again } = await quietly(() =>
      onSchedule({ source: 'aws.events' }, lambdaContext('on-exception-schedule', 'again')),
    );
    expect(again).toMatchObject({ expired: [], announced: [], restored: 0 });

    // The image finding Security Hub now holds (HIGH again) reaches automatic remediation.
    const onFindingImported = await handler('on-finding-imported', { AUTO_REMEDIATION: 'true' });
    const image = await finding(digestA, 'image');
    const { result: remediation } = await quietly(() =>
      onFindingImported(
        findingsImportedEvent({ id: 'e0000000-0000-4000-8000-000000000005', finding: image }),
        lambdaContext('on-finding-imported', 'after-expiry'),
      ),
    );
    expect(remediation.outcomes[0]).toMatchObject({ status: 'blocked', changed: true });
    const policy = JSON.parse((await repositoryPolicyText(ecr, REPOSITORY)) ?? '{}');
    expect(policy.Statement.map((s: { Sid?: string }) => s.Sid)).toContain(BLOCK_STATEMENT_SID);
  });

  it('removing an exception gives its findings back to NEW with a note', async () => {
    const removed = await cli(['remove', 'exc-payments-ncurses', '--output', 'json']);
    expect(removed.code).toBe(0);
    const change = JSON.parse(removed.stdout);
    expect(change.updates.map((u: any) => u.status)).toEqual(['NEW', 'NEW']);
    expect((await finding(digestA, MEDIUM_CVE)).Note?.Text).toMatch(
      /^Exception exc-payments-ncurses was removed;/,
    );
  });
});

describe('exceptions for findings that arrive without on-image-scan', () => {
  const added = () =>
    cli([...ADD, '--expires', inDays(30), '--id', 'exc-payments-openssl-again']).then((out) => {
      expect(out.code).toBe(0);
    });

  it("honour the table's longest expiry tag in the command line, with a one-line refusal", async () => {
    const arn = (await dynamodb.send(new DescribeTableCommand({ TableName: TABLE }))).Table?.TableArn;
    await dynamodb.send(
      new TagResourceCommand({
        ResourceArn: arn,
        Tags: [{ Key: 'ecr-compliance:max-expiry-days', Value: '60' }],
      }),
    );
    const refused = await cli([...ADD, '--expires', inDays(75)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^ecr-compliance: expiresAt: is more than 60 days away \(.+\); the longest allowed expiry is 60 days \(in exception\)\n$/,
    );
    const raised = await cli([...ADD, '--expires', inDays(30), '--max-expiry-days', '90']);
    expect(raised).toMatchObject({
      code: 2,
      stderr:
        "ecr-compliance: --max-expiry-days 90 is more than the deployment allows: the table's tag ecr-compliance:max-expiry-days is 60\n",
    });
    await added();
  });

  it("suppress Amazon Inspector's finding when its Findings - Imported event arrives", async () => {
    // As Amazon Inspector imports it (moto does not keep the product to AWS): NEW, about image A.
    const fixture = readFileSync(
      new URL('../../../core/test/fixtures/securityhub/inspector-finding.json', import.meta.url),
      'utf8',
    );
    const inspector = JSON.parse(
      fixture
        .replaceAll('111122223333', MOTO_ACCOUNT_ID)
        .replaceAll('sha256:9e8e9cd9d4031388e76ffd1f01c039d441df45180e70b83da6e4b3fa6a76ca85', digestA),
    ) as AwsSecurityFinding;
    await securityHub.send(new BatchImportFindingsCommand({ Findings: [inspector] }));
    const before = shim.requests.length;
    const onSchedule = await handler('on-exception-schedule');

    const { result } = await quietly(() =>
      onSchedule(
        findingsImportedEvent({ id: 'f1000000-0000-4000-8000-000000000001', finding: inspector }),
        lambdaContext('on-exception-schedule', 'inspector'),
      ),
    );

    expect(result).toEqual({ suppressed: 1, restored: 0, skipped: 0 });
    const stored = (await everyFinding(securityHub)).find((f) => f.Id === inspector.Id);
    expect(stored?.Workflow?.Status).toBe('SUPPRESSED');
    expect(stored?.Note?.Text).toMatch(
      /^Suppressed by exception exc-payments-openssl-again of payments@example.com until /,
    );
    expect(stored?.UserDefinedFields).toMatchObject({
      'ecr-compliance/ExceptionId': 'exc-payments-openssl-again',
    });
    expect(shim.requests.slice(before).map((r) => r.FindingIdentifiers)).toEqual([
      [{ Id: inspector.Id, ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector' }],
    ]);
    // The event of the update itself (the finding now SUPPRESSED) changes nothing.
    const { result: again } = await quietly(() =>
      onSchedule(
        findingsImportedEvent({ id: 'f1000000-0000-4000-8000-000000000002', finding: stored }),
        lambdaContext('on-exception-schedule', 'inspector-again'),
      ),
    );
    expect(again).toEqual({ suppressed: 0, restored: 0, skipped: 0 });
    expect(shim.requests.length).toBe(before + 1);
  });

  it('apply in the command line import of a Trivy report: --dry-run prints what would be suppressed, then it is', async () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    const ref = `${MOTO_ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com/${REPOSITORY}`;
    const report = {
      SchemaVersion: 2,
      CreatedAt: new Date(Date.now() - 60_000).toISOString(),
      ArtifactName: `${ref}:2.0.0`,
      ArtifactType: 'container_image',
      Metadata: { RepoTags: [`${ref}:2.0.0`], RepoDigests: [`${ref}@${digest}`] },
      Results: [
        {
          Target: `${ref}:2.0.0 (debian 12.8)`,
          Class: 'os-pkgs',
          Type: 'debian',
          Vulnerabilities: [
            {
              VulnerabilityID: HIGH_CVE,
              PkgName: 'openssl',
              InstalledVersion: '3.0.13-1~deb12u1',
              FixedVersion: '3.0.14-1~deb12u2',
              Status: 'fixed',
              Severity: 'HIGH',
              Title: `openssl: ${HIGH_CVE}`,
            },
          ],
        },
      ],
    };
    const trivy = async (...extra: string[]) => {
      const { io, stdout, stderr } = memoryIo({ stdin: JSON.stringify(report), env: {} });
      const code = await run(
        ['import', '--format', 'trivy', '-', '--endpoint-url', shim.endpoint, '--table', TABLE, ...extra],
        io,
      );
      return { code, stderr: stderr(), result: stdout() ? JSON.parse(stdout()) : undefined };
    };
    const high = () =>
      ours().then((all) =>
        all.find((f) => f.Resources?.[0]?.Id?.endsWith(digest) && f.Vulnerabilities?.[0]?.Id === HIGH_CVE),
      );
    const before = shim.requests.length;

    const dry = await trivy('--dry-run');
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    expect(dry.result.outcome).toBe('would import');
    expect(dry.result.suppress).toEqual([expect.stringContaining(`${digest}/`)]);
    expect(dry.result.suppress[0]).toContain(HIGH_CVE);
    expect(dry.result.restore).toEqual([]);
    expect(await high()).toBeUndefined();
    expect(shim.requests.length).toBe(before);

    const real = await trivy();
    expect(real.code).toBe(0);
    expect(real.result.exceptions).toEqual({ suppressed: 1, restored: 0, failed: 0 });
    const finding = await high();
    expect(finding?.Workflow?.Status).toBe('SUPPRESSED');
    expect(finding?.Id).toBe(dry.result.suppress[0]);
    expect(finding?.Note?.Text).toMatch(/^Suppressed by exception exc-payments-openssl-again of /);
    // The image finding counts the excepted vulnerability apart, as in the Lambda function.
    const image = (await ours()).find(
      (f) => f.Resources?.[0]?.Id?.endsWith(digest) && f.GeneratorId?.endsWith('/image'),
    );
    expect(image?.ProductFields?.['ecr-compliance/Count/EXCEPTED']).toBe('1');
  });
});
