/**
 * Proves the emulator harness (moto 5.2.5 server + fault proxy) and pins down what moto does for the APIs
 * this project uses, so that real integration tests know which behaviours they can rely on. Each `it` states
 * one moto behaviour; where moto differs from real AWS the test name says so.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateRepositoryCommand,
  DeleteRepositoryPolicyCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  ECRClient,
  GetRepositoryPolicyCommand,
  PutImageCommand,
  SetRepositoryPolicyCommand,
  StartImageScanCommand,
} from '@aws-sdk/client-ecr';
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  CreateActionTargetCommand,
  EnableSecurityHubCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import {
  awsClientConfig,
  awsJsonRequest,
  awsQueryRequest,
  EmulatorRequestError,
  MOTO_ACCOUNT_ID,
  type MotoServer,
  setEcrScanFindingResults,
  startMoto,
} from '../support/moto.js';
import { manifest, sha } from '../support/scenario.js';

const REPO = 'team-a/payments-api';
const PRODUCT_ARN = `arn:aws:securityhub:us-east-1:${MOTO_ACCOUNT_ID}:product/${MOTO_ACCOUNT_ID}/default`;

function finding(n: number, updatedAt: string, label = 'HIGH'): AwsSecurityFinding {
  const image = `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${REPO}/sha256:${'a'.repeat(64)}`;
  return {
    SchemaVersion: '2018-10-08',
    Id: `${image}/CVE-2026-${String(n).padStart(4, '0')}`,
    ProductArn: PRODUCT_ARN,
    GeneratorId: 'ecr-compliance/basic-scan',
    AwsAccountId: MOTO_ACCOUNT_ID,
    Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
    CreatedAt: '2026-11-01T00:00:00.000Z',
    UpdatedAt: updatedAt,
    Severity: { Label: label },
    Title: `CVE-2026-${n}`,
    Description: 'test finding',
    Resources: [{ Type: 'AwsEcrContainerImage', Id: image, Region: 'us-east-1' }],
  } as AwsSecurityFinding;
}

async function caught(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

let moto: MotoServer;
let ecr: ECRClient;
let securityHub: SecurityHubClient;

beforeAll(async () => {
  moto = await startMoto();
  ecr = new ECRClient(awsClientConfig(moto.endpoint, moto.region));
  securityHub = new SecurityHubClient(awsClientConfig(moto.endpoint, moto.region));
});

afterAll(async () => {
  ecr?.destroy();
  securityHub?.destroy();
  await moto?.stop();
});

describe('ECR (moto 5.2.5)', () => {
  beforeAll(async () => {
    await moto.reset();
  });

  it('creates a repository whose name contains a slash', async () => {
    const { repository } = await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO }));
    expect(repository).toMatchObject({
      repositoryName: REPO,
      registryId: MOTO_ACCOUNT_ID,
      repositoryArn: `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${REPO}`,
      repositoryUri: `${MOTO_ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com/${REPO}`,
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: false },
    });
  });

  it('PutImage accepts a Docker v2 manifest; the digest is sha256 of the joined layer digests (AWS: of the manifest bytes)', async () => {
    const { text, layerDigests } = manifest('v1');
    const { image } = await ecr.send(
      new PutImageCommand({
        repositoryName: REPO,
        imageTag: '1.0.0',
        imageManifest: text,
        imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      }),
    );
    expect(image?.imageId?.imageTag).toBe('1.0.0');
    expect(image?.imageId?.imageDigest).toBe(sha(layerDigests.join('')));
    expect(image?.imageId?.imageDigest).not.toBe(sha(text));
    const described = await ecr.send(new DescribeImagesCommand({ repositoryName: REPO }));
    expect(described.imageDetails?.[0]?.imageTags).toEqual(['1.0.0']);
  });

  it('PutImage to a missing repository or with invalid JSON is a bare HTTP 500 (AWS: RepositoryNotFoundException / InvalidParameterException)', async () => {
    const once = new ECRClient(awsClientConfig(moto.endpoint, moto.region, 1));
    const missing = await caught(
      once.send(
        new PutImageCommand({ repositoryName: 'nope', imageTag: 'x', imageManifest: manifest('x').text }),
      ),
    );
    expect(missing.$metadata?.httpStatusCode).toBe(500);
    const invalid = await caught(
      once.send(new PutImageCommand({ repositoryName: REPO, imageTag: 'bad', imageManifest: 'not json' })),
    );
    expect(invalid.$metadata?.httpStatusCode).toBe(500);
    once.destroy();
  });

  it('DescribeImageScanFindings before any scan throws ScanNotFoundException', async () => {
    const error = await caught(
      ecr.send(
        new DescribeImageScanFindingsCommand({ repositoryName: REPO, imageId: { imageTag: '1.0.0' } }),
      ),
    );
    expect(error.name).toBe('ScanNotFoundException');
  });

  it('StartImageScan answers IN_PROGRESS; DescribeImageScanFindings then returns a static COMPLETE result', async () => {
    const started = await ecr.send(
      new StartImageScanCommand({ repositoryName: REPO, imageId: { imageTag: '1.0.0' } }),
    );
    expect(started.imageScanStatus?.status).toBe('IN_PROGRESS');
    const page = await ecr.send(
      new DescribeImageScanFindingsCommand({
        repositoryName: REPO,
        imageId: { imageTag: '1.0.0' },
        maxResults: 1,
      }),
    );
    expect(page.imageScanStatus).toEqual({
      status: 'COMPLETE',
      description: 'The scan was completed successfully.',
    });
    expect(page.imageScanFindings?.imageScanCompletedAt).toBeInstanceOf(Date);
    expect(page.imageScanFindings?.findingSeverityCounts).toEqual({ HIGH: 1 });
    expect(page.imageScanFindings?.findings).toEqual([
      {
        name: 'CVE-9999-9999',
        uri: 'https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-9999-9999',
        severity: 'HIGH',
        attributes: [
          { key: 'package_version', value: '9.9.9' },
          { key: 'package_name', value: 'moto_fake' },
          { key: 'CVSS2_VECTOR', value: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' },
          { key: 'CVSS2_SCORE', value: '7.5' },
        ],
      },
    ]);
    expect(page.nextToken).toBeUndefined();
  });

  it('a second StartImageScan of the same image on the same day throws LimitExceededException (as AWS basic scanning)', async () => {
    const error = await caught(
      new ECRClient(awsClientConfig(moto.endpoint, moto.region, 1)).send(
        new StartImageScanCommand({ repositoryName: REPO, imageId: { imageTag: '1.0.0' } }),
      ),
    );
    expect(error.name).toBe('LimitExceededException');
  });

  it('custom scan results (moto-api/static/ecr/scan-finding-results) are returned verbatim; no pagination', async () => {
    const { text } = manifest('v2');
    await ecr.send(new PutImageCommand({ repositoryName: REPO, imageTag: '2.0.0', imageManifest: text }));
    const result = {
      registryId: MOTO_ACCOUNT_ID,
      repositoryName: REPO,
      imageId: { imageTag: '2.0.0' },
      imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
      imageScanFindings: {
        imageScanCompletedAt: 1_795_000_000,
        vulnerabilitySourceUpdatedAt: 1_794_000_000,
        findingSeverityCounts: { CRITICAL: 1, MEDIUM: 1 },
        findings: [
          {
            name: 'CVE-2026-0001',
            severity: 'CRITICAL',
            attributes: [{ key: 'package_name', value: 'openssl' }],
          },
          { name: 'CVE-2026-0002', severity: 'MEDIUM', attributes: [] },
        ],
      },
      nextToken: 'page-2',
    };
    await setEcrScanFindingResults(moto.endpoint, moto.region, [result]);
    await ecr.send(new StartImageScanCommand({ repositoryName: REPO, imageId: { imageTag: '2.0.0' } }));
    const first = await ecr.send(
      new DescribeImageScanFindingsCommand({
        repositoryName: REPO,
        imageId: { imageTag: '2.0.0' },
        maxResults: 1,
      }),
    );
    expect(first.imageScanFindings?.findings?.map((f) => f.name)).toEqual(['CVE-2026-0001', 'CVE-2026-0002']);
    expect(first.imageScanFindings?.imageScanCompletedAt).toEqual(new Date(1_795_000_000 * 1000));
    expect(first.nextToken).toBe('page-2');
    // The same imageId object always gets the same stored result, whatever nextToken says.
    const second = await ecr.send(
      new DescribeImageScanFindingsCommand({
        repositoryName: REPO,
        imageId: { imageTag: '2.0.0' },
        nextToken: 'page-2',
      }),
    );
    expect(second.nextToken).toBe('page-2');
  });

  it('repository policy: NotFound when absent, JSON validated, Set/Get round-trip byte-identical, Delete returns it', async () => {
    const absent = await caught(ecr.send(new GetRepositoryPolicyCommand({ repositoryName: REPO })));
    expect(absent.name).toBe('RepositoryPolicyNotFoundException');
    expect(absent.message).toBe(
      `Repository policy does not exist for the repository with name '${REPO}' in the registry with id '${MOTO_ACCOUNT_ID}'`,
    );
    const deleteAbsent = await caught(ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: REPO })));
    expect(deleteAbsent.name).toBe('RepositoryPolicyNotFoundException');

    for (const policyText of ['not json', '{"foo":1}']) {
      const invalid = await caught(
        ecr.send(new SetRepositoryPolicyCommand({ repositoryName: REPO, policyText })),
      );
      expect(invalid.name).toBe('InvalidParameterException');
      expect(invalid.message).toBe(
        "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'",
      );
    }
    const missingRepo = await caught(
      ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'nope', policyText: '{}' })),
    );
    expect(missingRepo.name).toBe('RepositoryNotFoundException');

    const policyText = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'SecHubBlockPull20261120',
          Effect: 'Deny',
          Principal: '*',
          Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          Condition: {
            ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/ecr-breakglass-*` },
          },
        },
      ],
    });
    const set = await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: REPO, policyText }));
    expect(set).toMatchObject({ registryId: MOTO_ACCOUNT_ID, repositoryName: REPO, policyText });
    const got = await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: REPO }));
    expect(got.policyText).toBe(policyText);
    const deleted = await ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: REPO }));
    expect(deleted.policyText).toBe(policyText);
    expect((await caught(ecr.send(new GetRepositoryPolicyCommand({ repositoryName: REPO })))).name).toBe(
      'RepositoryPolicyNotFoundException',
    );
  });
});

describe('Security Hub (moto 5.2.5)', () => {
  beforeAll(async () => {
    await moto.reset();
  });

  it('BatchImportFindings works without EnableSecurityHub (AWS: InvalidAccess when not enabled); EnableSecurityHub works', async () => {
    const imported = await securityHub.send(
      new BatchImportFindingsCommand({ Findings: [finding(1, '2026-11-02T00:00:00.000Z')] }),
    );
    expect(imported).toMatchObject({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
    await securityHub.send(new EnableSecurityHubCommand({ EnableDefaultStandards: false }));
  });

  it('upserts by Id, only checks Resources (not ProductArn etc.), reports InvalidInput in FailedFindings', async () => {
    const badArn = { ...finding(3, '2026-11-03T00:00:00.000Z'), ProductArn: 'not-an-arn' };
    const noResources = { ...finding(4, '2026-11-03T00:00:00.000Z'), Resources: [] };
    const imported = await securityHub.send(
      new BatchImportFindingsCommand({
        Findings: [
          finding(2, '2026-11-04T00:00:00.000Z', 'LOW'),
          badArn,
          noResources,
          finding(1, '2026-11-05T00:00:00.000Z', 'CRITICAL'),
        ],
      }),
    );
    expect(imported.SuccessCount).toBe(3);
    expect(imported.FailedCount).toBe(1);
    expect(imported.FailedFindings).toEqual([
      {
        Id: noResources.Id,
        ErrorCode: 'InvalidInput',
        ErrorMessage:
          'InvalidInputException: An error occurred (InvalidInputException) when calling the BatchImportFindings operation: Finding must contain at least one resource in the Resources array',
      },
    ]);
    const { Findings } = await securityHub.send(new GetFindingsCommand({}));
    expect(Findings?.map((f) => [f.Title, f.Severity?.Label, f.UpdatedAt])).toEqual([
      ['CVE-2026-1', 'CRITICAL', '2026-11-05T00:00:00.000Z'],
      ['CVE-2026-2', 'LOW', '2026-11-04T00:00:00.000Z'],
      ['CVE-2026-3', 'HIGH', '2026-11-03T00:00:00.000Z'],
    ]);
  });

  it('accepts an older UpdatedAt and overwrites (AWS ignores an update whose UpdatedAt is not newer)', async () => {
    await securityHub.send(
      new BatchImportFindingsCommand({ Findings: [finding(1, '2026-11-01T00:00:00.000Z', 'MEDIUM')] }),
    );
    const { Findings } = await securityHub.send(new GetFindingsCommand({}));
    expect(Findings?.[0]).toMatchObject({ Title: 'CVE-2026-1', Severity: { Label: 'MEDIUM' } });
  });

  it('GetFindings ignores Filters and SortCriteria (returns all, in insertion order) but paginates with MaxResults/NextToken', async () => {
    const filtered = await securityHub.send(
      new GetFindingsCommand({
        Filters: {
          SeverityLabel: [{ Value: 'LOW', Comparison: 'EQUALS' }],
          Id: [{ Value: 'x', Comparison: 'EQUALS' }],
        },
        SortCriteria: [{ Field: 'UpdatedAt', SortOrder: 'desc' }],
      }),
    );
    expect(filtered.Findings?.map((f) => f.Title)).toEqual(['CVE-2026-1', 'CVE-2026-2', 'CVE-2026-3']);

    const titles: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await securityHub.send(
        new GetFindingsCommand({ MaxResults: 2, ...(nextToken ? { NextToken: nextToken } : {}) }),
      );
      titles.push(...(page.Findings ?? []).map((f) => f.Title ?? ''));
      nextToken = page.NextToken;
      pages += 1;
    } while (nextToken && pages < 10);
    expect(titles).toEqual(['CVE-2026-1', 'CVE-2026-2', 'CVE-2026-3']);
    expect(pages).toBe(2);
  });

  it('BatchUpdateFindings and CreateActionTarget are not implemented (HTTP 404)', async () => {
    const once = new SecurityHubClient(awsClientConfig(moto.endpoint, moto.region, 1));
    const update = await caught(
      once.send(
        new BatchUpdateFindingsCommand({
          FindingIdentifiers: [{ Id: finding(1, '').Id, ProductArn: PRODUCT_ARN }],
          Workflow: { Status: 'SUPPRESSED' },
        }),
      ),
    );
    expect(update.$metadata?.httpStatusCode).toBe(404);
    const action = await caught(
      once.send(
        new CreateActionTargetCommand({ Name: 'Block pulls', Description: 'Deny pulls', Id: 'BlockPulls' }),
      ),
    );
    expect(action.$metadata?.httpStatusCode).toBe(404);
    once.destroy();
  });
});

describe('DynamoDB, STS (moto 5.2.5)', () => {
  it('DynamoDB CreateTable, conditional PutItem, GetItem', async () => {
    const client = new DynamoDBClient(awsClientConfig(moto.endpoint, moto.region));
    const doc = DynamoDBDocumentClient.from(client);
    await client.send(
      new CreateTableCommand({
        TableName: 'idempotency',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    const put = () =>
      doc.send(
        new PutCommand({
          TableName: 'idempotency',
          Item: { id: 'finding-1', status: 'COMPLETED', expiration: 1_795_000_000 },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
    await put();
    expect((await caught(put())).name).toBe('ConditionalCheckFailedException');
    const { Item } = await doc.send(new GetCommand({ TableName: 'idempotency', Key: { id: 'finding-1' } }));
    expect(Item).toEqual({ id: 'finding-1', status: 'COMPLETED', expiration: 1_795_000_000 });
    client.destroy();
  });

  it(`STS GetCallerIdentity answers account ${MOTO_ACCOUNT_ID}`, async () => {
    const xml = await awsQueryRequest(moto.endpoint, moto.region, {
      service: 'sts',
      action: 'GetCallerIdentity',
      version: '2011-06-15',
    });
    expect(xml).toContain(`<Account>${MOTO_ACCOUNT_ID}</Account>`);
    expect(xml).toContain(`<Arn>arn:aws:sts::${MOTO_ACCOUNT_ID}:user/moto</Arn>`);
  });
});

describe('EventBridge to SQS (moto 5.2.5)', () => {
  const events = <T = Record<string, unknown>>(action: string, body: unknown) =>
    awsJsonRequest<T>(moto.endpoint, moto.region, {
      service: 'events',
      target: `AWSEvents.${action}`,
      jsonVersion: '1.1',
      body,
    });
  const sqs = <T = Record<string, unknown>>(action: string, body: unknown) =>
    awsJsonRequest<T>(moto.endpoint, moto.region, {
      service: 'sqs',
      target: `AmazonSQS.${action}`,
      jsonVersion: '1.0',
      body,
    });

  const scanPattern = {
    source: ['aws.ecr'],
    'detail-type': ['ECR Image Scan'],
    detail: {
      'scan-status': ['COMPLETE'],
      'repository-name': [{ prefix: 'team-a/' }],
      'finding-severity-counts': { CRITICAL: [{ numeric: ['>', 0] }] },
    },
  };
  const scanDetail = (counts: Record<string, number>, repository = REPO) => ({
    'scan-status': 'COMPLETE',
    'repository-name': repository,
    'image-digest': sha('image'),
    'image-tags': ['1.0.0'],
    'finding-severity-counts': counts,
  });

  let queueUrl = '';

  beforeEach(async () => {
    await moto.reset();
    ({ QueueUrl: queueUrl } = await sqs<{ QueueUrl: string }>('CreateQueue', { QueueName: 'ecr-events' }));
    const { Attributes } = await sqs<{ Attributes: { QueueArn: string } }>('GetQueueAttributes', {
      QueueUrl: queueUrl,
      AttributeNames: ['QueueArn'],
    });
    await events('PutRule', { Name: 'critical-scans', EventPattern: JSON.stringify(scanPattern) });
    const targets = await events<{ FailedEntryCount: number }>('PutTargets', {
      Rule: 'critical-scans',
      Targets: [{ Id: 'queue', Arn: Attributes.QueueArn }],
    });
    expect(targets.FailedEntryCount).toBe(0);
  });

  it('PutEvents with source aws.ecr is accepted (AWS refuses aws.* sources) and routed to the SQS target only when the pattern matches', async () => {
    const put = await events<{ FailedEntryCount: number; Entries: { EventId?: string }[] }>('PutEvents', {
      Entries: [
        {
          Source: 'aws.ecr',
          DetailType: 'ECR Image Scan',
          Detail: JSON.stringify(scanDetail({ CRITICAL: 2, HIGH: 1 })),
        },
        { Source: 'aws.ecr', DetailType: 'ECR Image Scan', Detail: JSON.stringify(scanDetail({ HIGH: 1 })) },
        {
          Source: 'aws.ecr',
          DetailType: 'ECR Image Scan',
          Detail: JSON.stringify(scanDetail({ CRITICAL: 1 }, 'team-b/x')),
        },
        {
          Source: 'aws.ecr',
          DetailType: 'ECR Image Scan',
          Resources: [`arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${REPO}`],
          Detail: JSON.stringify(scanDetail({ CRITICAL: 3 })),
        },
      ],
    });
    expect(put.FailedEntryCount).toBe(0);
    expect(put.Entries).toHaveLength(4);

    const { Messages = [] } = await sqs<{ Messages?: { Body: string }[] }>('ReceiveMessage', {
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
    });
    const delivered = Messages.map((m) => JSON.parse(m.Body) as Record<string, unknown>);
    expect(
      delivered.map((e) => (e.detail as { 'finding-severity-counts': unknown })['finding-severity-counts']),
    ).toEqual([{ CRITICAL: 2, HIGH: 1 }, { CRITICAL: 3 }]);
    // The delivered envelope: no "account" field (AWS has one); resources as given in PutEvents.
    const [first, second] = delivered;
    expect(Object.keys(first ?? {}).sort()).toEqual(
      ['detail', 'detail-type', 'id', 'region', 'resources', 'source', 'time', 'version'].sort(),
    );
    expect(first).toMatchObject({
      version: '0',
      source: 'aws.ecr',
      'detail-type': 'ECR Image Scan',
      region: 'us-east-1',
      resources: [],
    });
    expect(first?.id).toBe(put.Entries[0]?.EventId);
    expect(second?.resources).toEqual([`arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${REPO}`]);
  });

  it('matches prefix/suffix/wildcard/equals-ignore-case/exists/anything-but and array values, but NOT patterns through arrays of objects', async () => {
    const receive = async () => {
      const { Messages = [] } = await sqs<{ Messages?: { Body: string }[] }>('ReceiveMessage', {
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      });
      return Messages.map((m) => JSON.parse(m.Body) as { detail: Record<string, unknown> });
    };
    await events('PutRule', {
      Name: 'critical-scans',
      EventPattern: JSON.stringify({
        source: ['aws.securityhub'],
        detail: {
          actionName: [{ 'anything-but': ['Ignore'] }],
          actionDescription: [{ 'equals-ignore-case': 'BLOCK PULLS' }],
          repository: [{ wildcard: 'team-*/payments-api' }],
          suffixed: [{ suffix: '-api' }],
          tags: ['1.0.0'],
          present: [{ exists: true }],
        },
      }),
    });
    const detail = {
      actionName: 'BlockPulls',
      actionDescription: 'Block pulls',
      repository: REPO,
      suffixed: 'payments-api',
      tags: ['latest', '1.0.0'],
      present: 1,
    };
    await events('PutEvents', {
      Entries: [
        { Source: 'aws.securityhub', DetailType: 'x', Detail: JSON.stringify(detail) },
        {
          Source: 'aws.securityhub',
          DetailType: 'x',
          Detail: JSON.stringify({ ...detail, actionName: 'Ignore' }),
        },
        {
          Source: 'aws.securityhub',
          DetailType: 'x',
          Detail: JSON.stringify({ ...detail, present: undefined }),
        },
      ],
    });
    expect((await receive()).map((e) => e.detail.actionName)).toEqual(['BlockPulls']);

    // AWS matches detail.findings.Severity.Label against every element of findings[]; moto 5.2.5 never does.
    await events('PutRule', {
      Name: 'critical-scans',
      EventPattern: JSON.stringify({
        source: ['aws.securityhub'],
        detail: { findings: { Severity: { Label: ['CRITICAL'] } } },
      }),
    });
    await events('PutEvents', {
      Entries: [
        {
          Source: 'aws.securityhub',
          DetailType: 'Security Hub Findings - Custom Action',
          Detail: JSON.stringify({ findings: [{ Severity: { Label: 'CRITICAL' } }] }),
        },
      ],
    });
    expect(await receive()).toEqual([]);
  });

  it('PutRule validates the pattern (InvalidEventPatternException); TestEventPattern is a stub returning no Result', async () => {
    const invalid = await events('PutRule', { Name: 'bad', EventPattern: '{"source":"aws.ecr"}' }).catch(
      (e: unknown) => e,
    );
    expect(invalid).toBeInstanceOf(EmulatorRequestError);
    expect(invalid).toMatchObject({
      code: 'InvalidEventPatternException',
      message: expect.stringContaining(
        "Event pattern is not valid. Reason: 'source' must be an object or an array",
      ),
    });
    const tested = await events('TestEventPattern', {
      EventPattern: JSON.stringify(scanPattern),
      Event: JSON.stringify({
        version: '0',
        id: '1',
        'detail-type': 'ECR Image Scan',
        source: 'aws.ecr',
        account: MOTO_ACCOUNT_ID,
        time: '2026-11-20T10:00:00Z',
        region: 'us-east-1',
        resources: [],
        detail: scanDetail({ CRITICAL: 1 }),
      }),
    });
    expect(tested).toEqual({});
  });
});

describe('fault proxy in front of moto', () => {
  let proxy: FaultProxy;

  beforeAll(async () => {
    await moto.reset();
    proxy = await startFaultProxy({ upstream: moto.endpoint });
  });

  afterAll(async () => {
    await proxy?.close();
  });

  const batch = (prefix: number, count: number) =>
    Array.from({ length: count }, (_, i) => finding(prefix * 1000 + i, '2026-11-20T00:00:00.000Z'));

  it('throttles above 10/s burst 30 with 429 LimitExceededException, which the SDK retries', async () => {
    proxy.configure({ maxRequestsPerSecond: 10, burst: 30 });
    proxy.resetStats();
    const noRetry = new SecurityHubClient(awsClientConfig(proxy.endpoint, moto.region, 1));
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        noRetry.send(
          new BatchImportFindingsCommand({
            Findings: batch(1, 1).map((f) => ({ ...f, Id: `${f.Id}-${i}` })),
          }),
        ),
      ),
    );
    noRetry.destroy();
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // 30 burst tokens plus whatever refilled (10/s) while the 40 requests arrived.
    expect(rejected.length).toBeGreaterThanOrEqual(1);
    expect(rejected.length).toBeLessThanOrEqual(10);
    expect(proxy.stats().forwarded).toBe(40 - rejected.length);
    const error = rejected[0]?.reason as Error & {
      $metadata: { httpStatusCode: number };
      $retryable?: unknown;
    };
    expect(error.name).toBe('LimitExceededException');
    expect(error.message).toBe('Rate exceeded (injected by fault proxy)');
    expect(error.$metadata.httpStatusCode).toBe(429);
    expect(proxy.stats().throttled).toBe(rejected.length);
    expect(proxy.stats().byPath['POST /findings/import']).toBe(40);

    // With retries the SDK recognises the 429 as throttling, backs off, and every call succeeds.
    proxy.configure({ maxRequestsPerSecond: 10, burst: 5 });
    proxy.resetStats();
    const retrying = new SecurityHubClient(awsClientConfig(proxy.endpoint, moto.region, 8));
    const outputs = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        retrying.send(
          new BatchImportFindingsCommand({
            Findings: [{ ...finding(2000 + i, '2026-11-20T00:00:00.000Z') }],
          }),
        ),
      ),
    );
    retrying.destroy();
    expect(outputs.every((o) => o.SuccessCount === 1)).toBe(true);
    expect(proxy.stats().throttled).toBeGreaterThan(0);
    expect(Math.max(...outputs.map((o) => o.$metadata.attempts ?? 1))).toBeGreaterThan(1);
  });

  it('injects 500 InternalException deterministically; the SDK retries them', async () => {
    proxy.configure({ serverErrorRate: 0.5, seed: 42 });
    proxy.resetStats();
    const noRetry = new SecurityHubClient(awsClientConfig(proxy.endpoint, moto.region, 1));
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) {
      outcomes.push(
        await noRetry.send(new GetFindingsCommand({ MaxResults: 1 })).then(
          () => 'ok',
          (e: Error & { $metadata?: { httpStatusCode?: number } }) =>
            `${e.name}:${e.$metadata?.httpStatusCode}`,
        ),
      );
    }
    noRetry.destroy();
    expect(outcomes).toContain('InternalException:500');
    expect(proxy.stats().serverErrors).toBe(outcomes.filter((o) => o !== 'ok').length);

    // Same seed, same sequence.
    proxy.configure({ serverErrorRate: 0.5, seed: 42 });
    const again = new SecurityHubClient(awsClientConfig(proxy.endpoint, moto.region, 1));
    const replay: string[] = [];
    for (let i = 0; i < 10; i++) {
      replay.push(
        await again.send(new GetFindingsCommand({ MaxResults: 1 })).then(
          () => 'ok',
          (e: Error & { $metadata?: { httpStatusCode?: number } }) =>
            `${e.name}:${e.$metadata?.httpStatusCode}`,
        ),
      );
    }
    again.destroy();
    expect(replay).toEqual(outcomes);

    const retrying = new SecurityHubClient(awsClientConfig(proxy.endpoint, moto.region, 10));
    const output = await retrying.send(new GetFindingsCommand({ MaxResults: 1 }));
    retrying.destroy();
    expect(output.$metadata.httpStatusCode).toBe(200);
  });

  it('reports a seeded share of findings as InternalFailure and does not store them', async () => {
    await moto.reset();
    proxy.configure({ failedFindingRate: 0.3, seed: 7 });
    proxy.resetStats();
    const findings = batch(3, 20);
    const viaProxy = new SecurityHubClient(awsClientConfig(proxy.endpoint, moto.region, 1));
    const output = await viaProxy.send(new BatchImportFindingsCommand({ Findings: findings }));
    const failedIds = (output.FailedFindings ?? []).map((f) => f.Id);
    expect(failedIds.length).toBeGreaterThan(0);
    expect(failedIds.length).toBeLessThan(20);
    expect(output.FailedCount).toBe(failedIds.length);
    expect(output.SuccessCount).toBe(20 - failedIds.length);
    expect(output.FailedFindings?.every((f) => f.ErrorCode === 'InternalFailure')).toBe(true);
    expect(proxy.stats().injectedFailedFindingIds).toEqual(failedIds);

    const stored = await securityHub.send(new GetFindingsCommand({ MaxResults: 100 }));
    const storedIds = new Set((stored.Findings ?? []).map((f) => f.Id));
    expect(storedIds.size).toBe(20 - failedIds.length);
    for (const f of findings) expect(storedIds.has(f.Id)).toBe(!failedIds.includes(f.Id));

    // A request whose findings all fail is answered by the proxy and not forwarded.
    proxy.configure({ failedFindingRate: 1 });
    proxy.resetStats();
    const allFailed = await viaProxy.send(new BatchImportFindingsCommand({ Findings: batch(4, 2) }));
    viaProxy.destroy();
    expect(allFailed).toMatchObject({ FailedCount: 2, SuccessCount: 0 });
    expect(proxy.stats().forwarded).toBe(0);
  });
});
