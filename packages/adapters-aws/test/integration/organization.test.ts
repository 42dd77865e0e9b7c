/**
 * The organization shape against moto in server mode (issue 12 §2): an administrator account that
 * runs the central handlers, two member accounts of a moto organization, and an account outside
 * it; two deployed Regions and one that is not. moto routes assumed-role credentials to the role's
 * account, but it does not enforce Security Hub's rule that only a finding's own account may
 * import it, so every test checks, through the proxy in front of moto, which account's credentials
 * (and which Region) sent each call.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateRepositoryCommand, ECRClient, GetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { type AwsSecurityFinding, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { BLOCK_STATEMENT_SID } from '@ecr-compliance/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbExceptionStore } from '../../src/exceptions/DynamoDbExceptionStore.js';
import { type BatchUpdateFindingsProxy, startBatchUpdateFindings } from '../support/batchUpdateFindings.js';
import type { Handler } from '../support/emulatorWorld.js';
import { type FaultProxy, type ProxiedCall, startFaultProxy } from '../support/fault-proxy.js';
import { awsClientConfig, MOTO_ACCOUNT_ID, type MotoServer, startMoto } from '../support/moto.js';
import {
  captureLogs,
  createIdempotencyTable,
  createStateTable,
  customActionEvent,
  everyFinding,
  findingsImportedEvent,
  HIGH_CVE,
  handlerEnvironment,
  imageActionEvent,
  imageScanEvent,
  lambdaContext,
  loadHandler,
  pushScannedImage,
} from '../support/world.js';

const ADMIN = MOTO_ACCOUNT_ID;
const HOME = 'us-east-1';
const OTHER_REGION = 'eu-west-1';
const NOT_DEPLOYED = 'ap-southeast-2';
const OUTSIDE = '999999999999';
const BLOCK = `arn:aws:securityhub:${HOME}:${ADMIN}:action/custom/ECR1`;

let moto: MotoServer;
let proxy: FaultProxy;
/** moto has no BatchUpdateFindings: the stand-in answers it behind the counting proxy, in the hub of each finding. */
let shim: BatchUpdateFindingsProxy;
let organizationId: string;
/** Two member accounts of the moto organization. */
let B: string;
let C: string;
const digests: Record<string, string> = {};
const accountOfKey = new Map<string, string>();

/** SDK clients acting in `account` (through moto's AssumeRole, straight to moto: not counted). */
async function clientsIn(account: string, region: string) {
  const base = awsClientConfig(moto.endpoint, region);
  if (account === ADMIN) return { ecr: new ECRClient(base), securityHub: new SecurityHubClient(base) };
  const out = await new STSClient(awsClientConfig(moto.endpoint, HOME)).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${account}:role/test-setup`,
      RoleSessionName: 'test-setup',
    }),
  );
  const credentials = {
    accessKeyId: out.Credentials?.AccessKeyId ?? '',
    secretAccessKey: out.Credentials?.SecretAccessKey ?? '',
    sessionToken: out.Credentials?.SessionToken ?? '',
  };
  const config = { ...base, credentials };
  return { ecr: new ECRClient(config), securityHub: new SecurityHubClient(config) };
}

/** The account whose credentials carry this access key id (moto's GetCallerIdentity, which checks no signature). */
async function accountOf(accessKeyId: string | undefined): Promise<string> {
  if (accessKeyId === undefined) return 'unsigned';
  const known = accountOfKey.get(accessKeyId);
  if (known) return known;
  const response = await fetch(`${moto.endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/${HOME}/sts/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: 'Action=GetCallerIdentity&Version=2011-06-15',
  });
  const account = /<Account>(\d{12})<\/Account>/.exec(await response.text())?.[1] ?? 'unknown';
  accountOfKey.set(accessKeyId, account);
  return account;
}

/** The calls the handlers sent since `from`, each as "ACCOUNT REGION service key". */
async function callsSince(from: number): Promise<string[]> {
  const calls: ProxiedCall[] = proxy.stats().calls.slice(from);
  return Promise.all(
    calls.map(
      async (call) => `${await accountOf(call.accessKeyId)} ${call.region} ${call.service} ${call.key}`,
    ),
  );
}

const mark = () => proxy.stats().calls.length;

async function policyOf(account: string, region: string, repositoryName: string): Promise<string | null> {
  const { ecr } = await clientsIn(account, region);
  try {
    return (await ecr.send(new GetRepositoryPolicyCommand({ repositoryName }))).policyText ?? null;
  } catch (error) {
    if ((error as Error).name === 'RepositoryPolicyNotFoundException') return null;
    throw error;
  }
}

async function findingsIn(account: string, region: string): Promise<AwsSecurityFinding[]> {
  return everyFinding((await clientsIn(account, region)).securityHub);
}

/** A scan event of `account` in `region`, as the member rule forwards it (account and Region kept). */
function forwardedScan(id: string, account: string, region: string, repository: string, digest: string) {
  const event = imageScanEvent({ id, repository, digest, region });
  return { ...event, account, resources: [`arn:aws:ecr:${region}:${account}:repository/${repository}`] };
}

/** Runs a handler with its logs kept off the output. */
async function run(handler: Handler, event: unknown, name: string) {
  const logs = captureLogs();
  try {
    const result = await handler(event, lambdaContext(name));
    return { result, logs: logs.lines() };
  } finally {
    logs.restore();
  }
}

const organizationEnvironment = (memberRole: 'import' | 'remediate', extra: Record<string, string> = {}) =>
  handlerEnvironment(proxy.endpoint, {
    ORGANIZATION_ID: organizationId,
    MEMBER_ROLE_PREFIX: `ecr-compliance-${memberRole}-`,
    DEPLOYED_REGIONS: `${HOME},${OTHER_REGION}`,
    ...extra,
  });

let onImageScan: Handler;
let onImageAction: Handler;
let onCustomAction: Handler;

beforeAll(async () => {
  moto = await startMoto();
  shim = await startBatchUpdateFindings({
    upstream: moto.endpoint,
    securityHub: new SecurityHubClient(awsClientConfig(moto.endpoint, HOME)),
    hubOf: async (productArn) => {
      const [, , , region = HOME, account = ADMIN] = productArn.split(':');
      return (await clientsIn(account, region)).securityHub;
    },
  });
  proxy = await startFaultProxy({ upstream: shim.endpoint });
  const admin = awsClientConfig(moto.endpoint, HOME);
  const organizations = new OrganizationsClient(admin);
  organizationId =
    (await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }))).Organization?.Id ?? '';
  const member = async (name: string) =>
    (await organizations.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` })))
      .CreateAccountStatus?.AccountId ?? '';
  B = await member('team-b');
  C = await member('team-c');
  await createIdempotencyTable(admin, 'ecr-compliance-idempotency');
  // The state of record is central: in the administrator account, for every member.
  await createStateTable(admin, 'ecr-compliance-state');

  // Team B's image in the home Region; team C's in the other Region, and a repository of the same
  // name in the home Region that nothing may touch.
  for (const [account, region, repository] of [
    [B, HOME, 'team-b/api'],
    [C, OTHER_REGION, 'team-c/web'],
  ] as const) {
    const { ecr } = await clientsIn(account, region);
    digests[`${account}/${region}`] = await pushScannedImage(ecr, moto.endpoint, region, {
      repository,
      tag: '1.0.0',
      findings: [HIGH_CVE],
      accountId: account,
    });
  }
  await (await clientsIn(C, HOME)).ecr.send(new CreateRepositoryCommand({ repositoryName: 'team-c/web' }));

  onImageScan = (
    await loadHandler<{ handler: Handler }>(
      '../../src/handlers/on-image-scan.js',
      organizationEnvironment('import', { STATE_TABLE_NAME: 'ecr-compliance-state' }),
    )
  ).handler;
  onImageAction = (
    await loadHandler<{ handler: Handler }>(
      '../../src/handlers/on-image-action.js',
      organizationEnvironment('import', { STATE_TABLE_NAME: 'ecr-compliance-state' }),
    )
  ).handler;
  onCustomAction = (
    await loadHandler<{ handler: Handler }>(
      '../../src/handlers/on-custom-action.js',
      organizationEnvironment('remediate'),
    )
  ).handler;
});

afterAll(async () => {
  await proxy?.close();
  await shim?.close();
  await moto?.stop();
});

describe('scans in two member accounts', () => {
  it('land in their own Security Hub, imported with their own role, in their own Region', async () => {
    const from = mark();
    const b = await run(
      onImageScan,
      forwardedScan('0a000001', B, HOME, 'team-b/api', digests[`${B}/${HOME}`] as string),
      'on-image-scan',
    );
    const c = await run(
      onImageScan,
      forwardedScan('0a000002', C, OTHER_REGION, 'team-c/web', digests[`${C}/${OTHER_REGION}`] as string),
      'on-image-scan',
    );
    expect(b.result.publish.succeeded).toBeGreaterThan(0);
    expect(c.result.publish.succeeded).toBeGreaterThan(0);

    const inB = await findingsIn(B, HOME);
    const inC = await findingsIn(C, OTHER_REGION);
    expect(inB.length).toBe(b.result.publish.succeeded);
    expect(new Set(inB.map((f) => f.AwsAccountId))).toEqual(new Set([B]));
    expect(new Set(inC.map((f) => f.AwsAccountId))).toEqual(new Set([C]));
    expect(new Set(inC.map((f) => f.ProductArn))).toEqual(
      new Set([`arn:aws:securityhub:${OTHER_REGION}:${C}:product/${C}/default`]),
    );
    // Nothing anywhere else: not in the administrator's hub, not in the other member's, not in the other Region.
    expect(await findingsIn(ADMIN, HOME)).toEqual([]);
    expect(await findingsIn(ADMIN, OTHER_REGION)).toEqual([]);
    expect(await findingsIn(B, OTHER_REGION)).toEqual([]);
    expect(await findingsIn(C, HOME)).toEqual([]);

    const calls = await callsSince(from);
    const imports = calls.filter((call) => call.endsWith('POST /findings/import'));
    expect(imports.length).toBeGreaterThan(1);
    expect(new Set(imports)).toEqual(
      new Set([
        `${B} ${HOME} securityhub POST /findings/import`,
        `${C} ${OTHER_REGION} securityhub POST /findings/import`,
      ]),
    );
    const scans = calls.filter((call) => call.includes('DescribeImageScanFindings'));
    expect(scans.map((call) => call.split(' ').slice(0, 2).join(' '))).toEqual([
      `${B} ${HOME}`,
      `${C} ${OTHER_REGION}`,
    ]);
    // Only the administrator assumes roles and asks the organization about an account.
    const admin = calls.filter((call) => call.startsWith(`${ADMIN} `));
    expect(
      admin.every((call) => / (sts|organizations|dynamodb) /.test(call)),
      admin.join('\n'),
    ).toBe(true);
    expect(admin.filter((call) => call.includes(' sts ')).length).toBe(2);
  });

  it('assume the import role of the Region, in the member account', async () => {
    const keys = [
      ...new Set(
        proxy
          .stats()
          .calls.filter((c) => c.key.endsWith('/findings/import'))
          .map((c) => c.accessKeyId),
      ),
    ];
    const arns = await Promise.all(
      keys.map(async (key) => {
        const response = await fetch(`${moto.endpoint}/`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
            authorization: `AWS4-HMAC-SHA256 Credential=${key}/20260101/${HOME}/sts/aws4_request, SignedHeaders=host, Signature=0`,
          },
          body: 'Action=GetCallerIdentity&Version=2011-06-15',
        });
        return /<Arn>([^<]+)<\/Arn>/.exec(await response.text())?.[1];
      }),
    );
    expect(arns.sort()).toEqual(
      [
        `arn:aws:sts::${B}:assumed-role/ecr-compliance-import-${HOME}/ecr-compliance-on-image-scan`,
        `arn:aws:sts::${C}:assumed-role/ecr-compliance-import-${OTHER_REGION}/ecr-compliance-on-image-scan`,
      ].sort(),
    );
  });

  it('refuse a scan of an account outside the organization or of a Region not deployed, importing nothing', async () => {
    const from = mark();
    const outside = await run(
      onImageScan,
      forwardedScan('0a000003', OUTSIDE, HOME, 'team-x/api', digests[`${B}/${HOME}`] as string),
      'on-image-scan',
    );
    const region = await run(
      onImageScan,
      forwardedScan('0a000004', B, NOT_DEPLOYED, 'team-b/api', digests[`${B}/${HOME}`] as string),
      'on-image-scan',
    );
    expect(outside.result).toEqual({
      outcome: 'refused',
      account: OUTSIDE,
      region: HOME,
      reason: `account ${OUTSIDE} is not in the organization ${organizationId}`,
    });
    expect(region.result).toMatchObject({
      outcome: 'refused',
      reason: expect.stringContaining(`region ${NOT_DEPLOYED} is not deployed`),
    });
    expect(outside.logs.find((line) => line.message === 'scan refused')).toMatchObject({
      level: 'WARN',
      account: OUTSIDE,
    });
    const calls = await callsSince(from);
    // One question to the organization; no role assumed, nothing read or imported anywhere.
    expect(calls).toEqual([
      `${ADMIN} ${HOME} organizations POST / AWSOrganizationsV20161128.DescribeAccount`,
    ]);
  });
});

describe('a custom action in the administrator account on a member finding', () => {
  /** Team C's HIGH vulnerability finding, as C's Security Hub in the other Region holds it. */
  async function memberFinding(): Promise<AwsSecurityFinding> {
    const found = (await findingsIn(C, OTHER_REGION)).find(
      (f) => f.Vulnerabilities?.[0]?.Id === 'CVE-2024-6119',
    );
    if (!found) throw new Error("no HIGH finding in C's Security Hub");
    return found;
  }

  it("changes that member's repository policy in the finding's Region, and nothing elsewhere", async () => {
    const finding = await memberFinding();
    const from = mark();

    const { result, logs } = await run(
      onCustomAction,
      customActionEvent({ id: 'c1a00001', action: BLOCK, findings: [finding] }),
      'on-custom-action',
    );

    expect(result.outcomes).toEqual([
      expect.objectContaining({
        status: 'blocked',
        changed: true,
        repositoryArn: `arn:aws:ecr:${OTHER_REGION}:${C}:repository/team-c/web`,
      }),
    ]);
    const policy = JSON.parse((await policyOf(C, OTHER_REGION, 'team-c/web')) ?? '{}');
    expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([BLOCK_STATEMENT_SID]);
    expect(await policyOf(C, HOME, 'team-c/web')).toBeNull();
    expect(await policyOf(B, HOME, 'team-b/api')).toBeNull();

    const calls = await callsSince(from);
    const ecr = calls.filter((call) => call.includes('AmazonEC2ContainerRegistry'));
    expect(ecr.map((call) => call.split(' ').slice(0, 3).join(' '))).toEqual([
      `${C} ${OTHER_REGION} ecr`,
      `${C} ${OTHER_REGION} ecr`,
    ]);
    expect(ecr[1]).toContain('SetRepositoryPolicy');
    // The audit note is the administrator's, in its home Region.
    const notes = calls.filter((call) => call.includes('/findings/batchupdate'));
    expect(notes).toEqual([`${ADMIN} ${HOME} securityhub PATCH /findings/batchupdate`]);
    expect(logs.find((line) => line.message === 'repository blocked')).toMatchObject({ level: 'INFO' });
  });

  async function refused(id: string, findings: unknown[], handler: Handler = onCustomAction) {
    const from = mark();
    const run_ = await run(handler, customActionEvent({ id, action: BLOCK, findings }), 'on-custom-action');
    // The administrator's own idempotency record of the event is not a call about the finding.
    const calls = (await callsSince(from)).filter((call) => !call.startsWith(`${ADMIN} ${HOME} dynamodb `));
    return { ...run_, calls };
  }

  /** No role assumed, no ECR call and no audit note: only a question to the organization. */
  const nothingDone = (calls: string[]) =>
    expect(calls.filter((call) => !call.includes(' organizations '))).toEqual([]);

  it('refuses a finding whose resource is in another account than its own, without a call into either', async () => {
    const real = await memberFinding();
    const steered = {
      ...real,
      Resources: [
        {
          Type: 'AwsEcrContainerImage',
          Id: `arn:aws:ecr:${HOME}:${B}:repository/team-b/api/${digests[`${B}/${HOME}`]}`,
          Region: HOME,
        },
      ],
    };
    const { result, logs, calls } = await refused('c1a00002', [steered]);
    expect(result.outcomes).toEqual([
      {
        status: 'skipped',
        findingId: real.Id,
        reason: `resource ${steered.Resources[0]?.Id} is in account ${B}, but the finding belongs to account ${C}`,
      },
    ]);
    expect(calls).toEqual([]);
    expect(await policyOf(B, HOME, 'team-b/api')).toBeNull();
    expect(logs.find((line) => line.message === 'finding refused')).toMatchObject({ level: 'WARN' });
  });

  it('refuses a finding of an account outside the organization', async () => {
    const real = await memberFinding();
    const foreign = JSON.parse(JSON.stringify(real).replaceAll(C, OUTSIDE));
    const { result, calls } = await refused('c1a00003', [foreign]);
    expect(result.outcomes[0]).toEqual({
      status: 'skipped',
      findingId: foreign.Id,
      reason: `account ${OUTSIDE} is not in the organization ${organizationId}`,
    });
    nothingDone(calls);
    expect(calls.length).toBe(1);
  });

  it('refuses a finding of a Region that is not deployed', async () => {
    const real = await memberFinding();
    const far = JSON.parse(JSON.stringify(real).replaceAll(OTHER_REGION, NOT_DEPLOYED));
    const { result, calls } = await refused('c1a00004', [far]);
    expect(result.outcomes[0]).toMatchObject({
      status: 'skipped',
      reason: `region ${NOT_DEPLOYED} is not deployed (deployed: ${HOME}, ${OTHER_REGION})`,
    });
    expect(calls).toEqual([]);
  });

  it('refuses an account of the organization that is not in the allow-list', async () => {
    const allowB = (
      await loadHandler<{ handler: Handler }>(
        '../../src/handlers/on-custom-action.js',
        organizationEnvironment('remediate', { ALLOWED_ACCOUNTS: B }),
      )
    ).handler;
    const before = await policyOf(C, OTHER_REGION, 'team-c/web');
    const { result, calls } = await refused('c1a00005', [await memberFinding()], allowB);
    expect(result.outcomes[0]).toMatchObject({
      status: 'skipped',
      reason: `account ${C} is not in the allow-list`,
    });
    expect(calls).toEqual([]);
    expect(await policyOf(C, OTHER_REGION, 'team-c/web')).toBe(before);
  });
});

describe("automatic remediation from the administrator's feed", () => {
  it("blocks a member's repository on ECR's scan there, read with that member's role", async () => {
    const onFindingImported = (
      await loadHandler<{ handler: Handler }>(
        '../../src/handlers/on-finding-imported.js',
        organizationEnvironment('remediate', { AUTO_REMEDIATION: 'true' }),
      )
    ).handler;
    const image = (await findingsIn(B, HOME)).find((f) => f.GeneratorId === 'ecr-compliance/ecr-basic/image');
    if (!image) throw new Error("no image finding in B's Security Hub");
    const from = mark();

    const { result } = await run(
      onFindingImported,
      findingsImportedEvent({ id: '0f000001', finding: image }),
      'on-finding-imported',
    );

    expect(result.outcomes).toEqual([expect.objectContaining({ status: 'blocked', changed: true })]);
    const policy = JSON.parse((await policyOf(B, HOME, 'team-b/api')) ?? '{}');
    expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([BLOCK_STATEMENT_SID]);
    const calls = await callsSince(from);
    const ecr = calls.filter((call) => call.includes('AmazonEC2ContainerRegistry'));
    expect(ecr.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ecr.map((call) => call.split(' ').slice(0, 3).join(' ')))).toEqual(
      new Set([`${B} ${HOME} ecr`]),
    );
    expect(ecr.some((call) => call.includes('DescribeImageScanFindings'))).toBe(true);
    expect(calls.filter((call) => call.includes('/findings/batchupdate'))).toEqual([
      `${ADMIN} ${HOME} securityhub PATCH /findings/batchupdate`,
    ]);
    // Unblock it again, so that what follows starts from the scan's state.
    const unblock = `arn:aws:securityhub:${HOME}:${ADMIN}:action/custom/ECR2`;
    await run(
      onCustomAction,
      customActionEvent({ id: 'c1a0000f', action: unblock, findings: [image] }),
      'on-custom-action',
    );
    expect(await policyOf(B, HOME, 'team-b/api')).toBeNull();
  });
});

describe('a deletion in a member account', () => {
  it("archives the image's findings in that account's Security Hub, with its role", async () => {
    const from = mark();
    const event = {
      ...imageActionEvent({
        id: '0d000001',
        repository: 'team-b/api',
        digest: digests[`${B}/${HOME}`] as string,
      }),
      account: B,
    };
    const { result } = await run(onImageAction, event, 'on-image-action');
    expect(result.archived).toBeGreaterThan(0);
    const inB = await findingsIn(B, HOME);
    expect(inB.every((f) => f.RecordState === 'ARCHIVED')).toBe(true);
    const calls = await callsSince(from);
    const writes = calls.filter((call) => call.includes('/findings'));
    expect(new Set(writes.map((call) => call.split(' ').slice(0, 2).join(' ')))).toEqual(
      new Set([`${B} ${HOME}`]),
    );
    // Decided on the central state of record: no GetFindings in the member, the table read as the administrator.
    expect(calls.filter((call) => call.endsWith('POST /findings'))).toEqual([]);
    expect(
      calls.filter((call) => call.includes(' dynamodb ')).every((call) => call.startsWith(`${ADMIN} `)),
    ).toBe(true);
    expect(calls).toContain(`${ADMIN} ${HOME} dynamodb POST / DynamoDB_20120810.Query`);
  });
});

describe("an exception in the central table for a member's repository", () => {
  it("suppresses the member's matching finding when its scan is imported, with the administrator's update", async () => {
    const TABLE = 'ecr-compliance-exceptions';
    const admin = awsClientConfig(moto.endpoint, HOME);
    await createIdempotencyTable(admin, TABLE);
    const now = Date.now();
    await new DynamoDbExceptionStore({ client: new DynamoDBClient(admin), tableName: TABLE }).put({
      id: 'exc-team-c-openssl',
      vulnerabilityId: HIGH_CVE.name,
      scope: { accountId: C, repositoryName: 'team-c/web', package: 'openssl' },
      justification: 'vulnerable_code_not_in_execute_path',
      statement: 'the web tier never parses client certificates',
      owner: 'team-c@example.com',
      createdAt: new Date(now - 60_000).toISOString(),
      expiresAt: new Date(now + 30 * 24 * 3600 * 1000).toISOString(),
    });
    const withExceptions = (
      await loadHandler<{ handler: Handler }>(
        '../../src/handlers/on-image-scan.js',
        organizationEnvironment('import', { EXCEPTIONS_TABLE_NAME: TABLE }),
      )
    ).handler;
    // A new image of team C in the other (linked) Region, scanned there.
    const { ecr } = await clientsIn(C, OTHER_REGION);
    const digest = await pushScannedImage(ecr, moto.endpoint, OTHER_REGION, {
      repository: 'team-c/web',
      tag: '1.1.0',
      findings: [HIGH_CVE],
      accountId: C,
    });
    const from = mark();

    const { result } = await run(
      withExceptions,
      forwardedScan('0e000001', C, OTHER_REGION, 'team-c/web', digest),
      'on-image-scan',
    );

    expect(result).toMatchObject({
      outcome: 'imported',
      exceptions: { suppressed: 1, restored: 0, failed: 0 },
    });
    const high = (await findingsIn(C, OTHER_REGION)).find(
      (f) => f.Resources?.[0]?.Id?.endsWith(digest) && f.Vulnerabilities?.[0]?.Id === HIGH_CVE.name,
    );
    expect(high?.Workflow?.Status).toBe('SUPPRESSED');
    expect(high?.Note?.Text).toMatch(
      /^Suppressed by exception exc-team-c-openssl of team-c@example.com until /,
    );
    expect(high?.UserDefinedFields).toMatchObject({
      'ecr-compliance/ExceptionId': 'exc-team-c-openssl',
      'ecr-compliance/ExceptionState': 'active',
    });
    // The image finding counts it apart: nothing else of the image is HIGH.
    const image = (await findingsIn(C, OTHER_REGION)).find(
      (f) => f.Resources?.[0]?.Id?.endsWith(digest) && f.GeneratorId?.endsWith('/image'),
    );
    expect(image?.ProductFields?.['ecr-compliance/Count/EXCEPTED']).toBe('1');
    const calls = await callsSince(from);
    // Imported by C's import role in its Region; the workflow written by the administrator, from
    // its home Region; the table read in the administrator's account.
    expect(calls.filter((call) => call.endsWith('POST /findings/import'))).toEqual(
      expect.arrayContaining([`${C} ${OTHER_REGION} securityhub POST /findings/import`]),
    );
    expect(new Set(calls.filter((call) => call.endsWith('POST /findings/import')))).toEqual(
      new Set([`${C} ${OTHER_REGION} securityhub POST /findings/import`]),
    );
    expect(calls.filter((call) => call.includes('/findings/batchupdate'))).toEqual([
      `${ADMIN} ${HOME} securityhub PATCH /findings/batchupdate`,
    ]);
    expect(calls.some((call) => call.startsWith(`${ADMIN} ${HOME} dynamodb `) && call.includes('Scan'))).toBe(
      true,
    );
  });
});
