import '../support/mockMatchers.js';
import {
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeImageScanFindingsCommand,
  ECRClient,
  GetRepositoryPolicyCommand,
  RepositoryPolicyNotFoundException,
} from '@aws-sdk/client-ecr';
import {
  BatchImportFindingsCommand,
  type BatchImportFindingsCommandInput,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { blockPolicy } from '@ecr-compliance/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureLogs, lambdaContext, loadHandler } from '../support/world.js';
import {
  environment,
  type Handler,
  inspectorScanEvent,
  recordExists,
  scanEvent,
  storedRecord,
  TABLE,
} from './handlers.support.js';
import {
  ACCOUNT,
  basicPage,
  DIGEST,
  enhancedFinding,
  enhancedPage,
  REPOSITORY,
  sdkError,
} from './helpers.js';

const HANDLER = '../../src/handlers/on-image-scan.js';
const ecr = mockClient(ECRClient);
const securityHub = mockClient(SecurityHubClient);
const dynamodb = mockClient(DynamoDBClient);

const allImported = (input: BatchImportFindingsCommandInput) => ({
  FailedCount: 0,
  SuccessCount: input.Findings?.length ?? 0,
  FailedFindings: [],
});

let handler: Handler;
let logs: ReturnType<typeof captureLogs>;

beforeAll(async () => {
  handler = (await loadHandler<{ handler: Handler }>(HANDLER, environment())).handler;
});

beforeEach(() => {
  ecr.reset();
  securityHub.reset();
  dynamodb.reset();
  ecr.on(DescribeImageScanFindingsCommand).resolves(basicPage());
  ecr
    .on(GetRepositoryPolicyCommand)
    .rejects(sdkError(RepositoryPolicyNotFoundException, 'Repository policy does not exist', 400));
  securityHub.on(BatchImportFindingsCommand).callsFake(allImported);
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
});

afterAll(() => {
  vi.unstubAllEnvs();
  ecr.restore();
  securityHub.restore();
  dynamodb.restore();
});

const invoke = (event: unknown, requestId?: string) =>
  handler(event, lambdaContext('on-image-scan', requestId));

describe('on-image-scan: the block mark', () => {
  const imported = () =>
    securityHub.commandCalls(BatchImportFindingsCommand)[0]?.args[0].input.Findings ?? [];

  it('imports the image finding of a blocked repository with the mark, and the vulnerability findings without', async () => {
    ecr.on(GetRepositoryPolicyCommand).resolves({ policyText: blockPolicy(null).policyText as string });
    await invoke(scanEvent('1308b246-0100'));
    expect(ecr).toHaveReceivedCommandWith(GetRepositoryPolicyCommand, {
      registryId: ACCOUNT,
      repositoryName: REPOSITORY,
    });
    expect(imported().map((f) => [f.GeneratorId, f.UserDefinedFields])).toEqual([
      ['ecr-compliance/ecr-basic', undefined],
      ['ecr-compliance/ecr-basic', undefined],
      ['ecr-compliance/ecr-basic/image', { 'ecr-compliance/RepositoryBlocked': 'true' }],
    ]);
  });

  it('imports no mark for a repository that is not blocked', async () => {
    await invoke(scanEvent('1308b246-0101'));
    expect(imported().every((f) => f.UserDefinedFields === undefined)).toBe(true);
  });

  it('imports the scan without a mark, and says why, when the policy cannot be read', async () => {
    ecr.on(GetRepositoryPolicyCommand).rejects(
      Object.assign(new Error('not authorized to perform ecr:GetRepositoryPolicy'), {
        name: 'AccessDeniedException',
      }),
    );
    const result = await invoke(scanEvent('1308b246-0102'));
    expect(result).toMatchObject({ outcome: 'imported' });
    expect(imported().every((f) => f.UserDefinedFields === undefined)).toBe(true);
    expect(
      logs.lines().find((line) => line.message === 'block state unknown: the scan carries no block mark'),
    ).toMatchObject({
      level: 'WARN',
      repository: REPOSITORY,
    });
  });
});

describe('on-image-scan handler', () => {
  it('fetches the scan, imports one finding per vulnerability and one for the image, and logs the counts', async () => {
    const result = await invoke(scanEvent('1308b246-0001'));

    expect(result).toEqual({
      outcome: 'imported',
      repositoryName: REPOSITORY,
      imageDigest: DIGEST,
      vulnerabilities: 2,
      findings: 3,
      created: 3,
      reactivated: 0,
      unchanged: 0,
      archived: 0,
      distrusted: [],
      publish: { sent: 3, succeeded: 3, failed: [], requests: 1 },
    });
    expect(ecr).toHaveReceivedCommandExactlyOnceWith(DescribeImageScanFindingsCommand, {
      registryId: ACCOUNT,
      repositoryName: REPOSITORY,
      imageId: { imageDigest: DIGEST },
      maxResults: 1000,
    });
    expect(securityHub).toHaveReceivedCommandOnce(BatchImportFindingsCommand);
    const imported = securityHub.commandCalls(BatchImportFindingsCommand)[0]?.args[0].input.Findings ?? [];
    expect(imported.map((f) => f.GeneratorId)).toEqual([
      'ecr-compliance/ecr-basic',
      'ecr-compliance/ecr-basic',
      'ecr-compliance/ecr-basic/image',
    ]);
    // The event's tags are reported, not only the one the API returns.
    expect(imported[0]?.Resources?.[0]?.Details?.AwsEcrContainerImage?.ImageTags).toEqual([
      '1.8.2',
      'latest',
    ]);
    const summary = logs.lines().filter((line) => line.message === 'scan imported');
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({
      level: 'INFO',
      correlation_id: '1308b246-0001',
      function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
      repository: REPOSITORY,
      imageDigest: DIGEST,
      vulnerabilities: 2,
      findings: 3,
      created: 3,
      unchanged: 0,
      sent: 3,
      succeeded: 3,
      failed: 0,
      requests: 1,
    });
  });

  it("names the configured block action in the image finding's recommendation (BLOCK_ACTION_ID, BLOCK_ACTION_NAME)", async () => {
    const recommendationOf = async (run: Handler, id: string) => {
      securityHub.resetHistory();
      await run(scanEvent(id), lambdaContext('on-image-scan'));
      const imported = securityHub.commandCalls(BatchImportFindingsCommand)[0]?.args[0].input.Findings ?? [];
      return imported.find((f) => f.GeneratorId === 'ecr-compliance/ecr-basic/image')?.Remediation
        ?.Recommendation?.Text;
    };
    expect(await recommendationOf(handler, '1308b246-0a01')).toContain('"Block ECR pulls" (ECR1)');
    const quarantine = (
      await loadHandler<{ handler: Handler }>(
        HANDLER,
        environment({ BLOCK_ACTION_ID: 'Quarantine', BLOCK_ACTION_NAME: 'Quarantine image' }),
      )
    ).handler;
    try {
      const text = await recommendationOf(quarantine, '1308b246-0a02');
      expect(text).toContain('"Quarantine image" (Quarantine)');
      expect(text).not.toContain('ECR1');
    } finally {
      handler = (await loadHandler<{ handler: Handler }>(HANDLER, environment())).handler;
    }
  });

  it('locks the event in the idempotency table first and stores the result when done', async () => {
    const result = await invoke(scanEvent('1308b246-0002'));

    expect(dynamodb).toHaveReceivedCommandOnce(PutItemCommand);
    const put = dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      TableName: TABLE,
      Item: { status: { S: 'INPROGRESS' } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(put?.ConditionExpression).toContain('attribute_not_exists(#id)');
    expect(dynamodb).toHaveReceivedCommandOnce(UpdateItemCommand);
    const update = dynamodb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(update).toMatchObject({
      TableName: TABLE,
      Key: { id: put?.Item?.id },
      ExpressionAttributeValues: { ':status': { S: 'COMPLETED' } },
    });
    expect(update?.ExpressionAttributeValues?.[':response_data']).toMatchObject({
      M: { findings: { N: String(result.findings) } },
    });
    expect(dynamodb).not.toHaveReceivedCommand(DeleteItemCommand);
  });

  it('keys the idempotency record on the event id only', async () => {
    await invoke(scanEvent('same-id', { 'image-tags': ['1.8.2'] }));
    await invoke(scanEvent('same-id', { 'image-tags': ['1.8.2', 'latest'] }));
    await invoke(scanEvent('other-id'));

    const keys = dynamodb.commandCalls(PutItemCommand).map((call) => call.args[0].input.Item?.id?.S);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it('returns the stored result of a redelivered event without fetching or importing again', async () => {
    const event = scanEvent('1308b246-0003');
    const first = await invoke(event);
    const record = storedRecord(dynamodb);
    ecr.resetHistory();
    securityHub.resetHistory();
    dynamodb.reset();
    dynamodb.on(PutItemCommand).rejects(recordExists(record));

    const replay = await invoke(event, 'redelivery');

    expect(replay).toEqual(first);
    expect(ecr).not.toHaveReceivedCommand(DescribeImageScanFindingsCommand);
    expect(securityHub).not.toHaveReceivedCommand(BatchImportFindingsCommand);
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
    expect(dynamodb).not.toHaveReceivedCommand(DeleteItemCommand);
  });

  it('refuses an event whose first delivery is still in progress, importing nothing', async () => {
    const event = scanEvent('1308b246-0004');
    await invoke(event);
    const record = storedRecord(dynamodb, 'INPROGRESS');
    ecr.resetHistory();
    securityHub.resetHistory();
    dynamodb.on(PutItemCommand).rejects(recordExists(record));

    await expect(invoke(event, 'concurrent')).rejects.toMatchObject({
      name: 'IdempotencyAlreadyInProgressError',
    });
    expect(ecr).not.toHaveReceivedAnyCommand();
    expect(securityHub).not.toHaveReceivedAnyCommand();
  });

  it('fails with a PublishError when findings could not be imported, and releases the idempotency record', async () => {
    securityHub.on(BatchImportFindingsCommand).callsFake((input: BatchImportFindingsCommandInput) => ({
      FailedCount: 1,
      SuccessCount: (input.Findings?.length ?? 1) - 1,
      FailedFindings: [
        {
          Id: input.Findings?.[0]?.Id,
          ErrorCode: 'InvalidInput',
          ErrorMessage: 'Finding does not adhere to Amazon Finding Format.',
        },
      ],
    }));

    const error = await invoke(scanEvent('1308b246-0005')).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'PublishError' });
    expect((error as Error).message).toMatch(
      /^1 of 3 findings for team-a\/payments-api@sha256:.* \(InvalidInput\)$/,
    );
    expect((error as { failed: unknown[] }).failed).toHaveLength(1);
    expect(dynamodb).toHaveReceivedCommandOnce(DeleteItemCommand);
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
    expect(logs.lines().find((line) => line.message === 'scan not imported')).toMatchObject({
      level: 'ERROR',
      correlation_id: '1308b246-0005',
    });
  });

  it('fails with a ScanNotCompleteError when the scan has no findings yet', async () => {
    ecr.on(DescribeImageScanFindingsCommand).resolves(basicPage({ status: 'IN_PROGRESS' }));

    await expect(invoke(scanEvent('1308b246-0006'))).rejects.toMatchObject({
      name: 'ScanNotCompleteError',
      status: 'IN_PROGRESS',
    });
    expect(securityHub).not.toHaveReceivedAnyCommand();
    expect(dynamodb).toHaveReceivedCommandOnce(DeleteItemCommand);
  });

  it('rejects a malformed event with a validation error naming the field, calling nothing', async () => {
    const bad = scanEvent('1308b246-0007', { 'image-digest': 'latest' });

    await expect(invoke(bad)).rejects.toMatchObject({
      name: 'InvalidInputError',
      path: 'detail.image-digest',
    });
    expect(ecr).not.toHaveReceivedAnyCommand();
    expect(securityHub).not.toHaveReceivedAnyCommand();
    expect(dynamodb).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['another account', { account: '444455556666' }],
    ['another region', { region: 'eu-west-1' }],
  ])('refuses an event of %s, calling nothing', async (_, patch) => {
    await expect(invoke({ ...scanEvent('1308b246-0008'), ...patch })).rejects.toMatchObject({
      name: 'InvalidInputError',
      path: 'account',
    });
    expect(ecr).not.toHaveReceivedAnyCommand();
    expect(securityHub).not.toHaveReceivedAnyCommand();
  });

  it('archives the stored finding of a vulnerability the re-scan no longer reports, keeping CreatedAt', async () => {
    await invoke(scanEvent('1308b246-0009'));
    const first = securityHub.commandCalls(BatchImportFindingsCommand)[0]?.args[0].input.Findings ?? [];
    securityHub.on(GetFindingsCommand).resolves({
      Findings: first.map((f) => ({ ...f, WorkflowState: 'NEW', Workflow: { Status: 'NEW' } })) as never,
    });
    const page = basicPage();
    ecr.on(DescribeImageScanFindingsCommand).resolves({
      ...page,
      imageScanFindings: {
        ...page.imageScanFindings,
        imageScanCompletedAt: new Date('2026-11-25T08:00:00Z'),
        findings: page.imageScanFindings.findings.slice(0, 1),
      },
    });

    const result = await invoke(scanEvent('1308b246-0010'));

    expect(result).toMatchObject({ outcome: 'imported', findings: 2, created: 0, archived: 1 });
    const second = securityHub.commandCalls(BatchImportFindingsCommand)[1]?.args[0].input.Findings ?? [];
    const archived = second.filter((f) => f.RecordState === 'ARCHIVED');
    expect(archived).toHaveLength(1);
    expect(archived[0]).toMatchObject({
      UpdatedAt: '2026-11-25T08:00:00.000Z',
      CreatedAt: first[1]?.CreatedAt,
    });
    expect(archived[0]).not.toHaveProperty('Workflow');
    expect(
      logs
        .lines()
        .filter((l) => l.message === 'scan imported')
        .at(-1),
    ).toMatchObject({ archived: 1 });
  });

  it('skips, with the reason logged, the same scan once everything of it is imported', async () => {
    await invoke(scanEvent('1308b246-0011'));
    const first = securityHub.commandCalls(BatchImportFindingsCommand)[0]?.args[0].input.Findings ?? [];
    securityHub.on(GetFindingsCommand).resolves({ Findings: first as never });

    const result = await invoke(scanEvent('1308b246-0012'));

    expect(result).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringContaining('a repeated event'),
    });
    expect(securityHub).toHaveReceivedCommandTimes(BatchImportFindingsCommand, 1);
    expect(logs.lines().find((l) => l.message === 'scan skipped')).toMatchObject({
      correlation_id: '1308b246-0012',
      reason: expect.stringContaining('imported already'),
    });
  });

  it('removes the correlation id after each invocation', async () => {
    await invoke(scanEvent('1308b246-0008'));
    await invoke({ not: 'an event' }).catch(() => undefined);

    const failure = logs.lines().find((line) => line.message === 'scan not imported');
    expect(failure).toBeDefined();
    expect(failure).not.toHaveProperty('correlation_id');
  });
});

describe('on-image-scan cold start', () => {
  it.each(['IDEMPOTENCY_TABLE_NAME', 'AWS_REGION', 'ACCOUNT_ID'])(
    'fails the module load with a ConfigurationError naming %s when it is missing',
    async (name) => {
      const { [name]: _missing, ...env } = environment();
      vi.stubEnv(name, undefined);

      await expect(loadHandler(HANDLER, env)).rejects.toMatchObject({
        name: 'ConfigurationError',
        message: expect.stringContaining(name),
      });
    },
  );

  it('fails the module load when FINDING_GRANULARITY is not a known choice', async () => {
    await expect(
      loadHandler(HANDLER, environment({ FINDING_GRANULARITY: 'everything' })),
    ).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining('FINDING_GRANULARITY'),
    });
  });
});

describe('on-image-scan handler: enhanced scanning ("Inspector2 Scan")', () => {
  const enhanced = () =>
    enhancedPage([enhancedFinding('CVE-2024-6119'), enhancedFinding('CVE-2024-5535', 'zlib')]);

  it('reads the repository from the ARN in repository-name and imports only the image finding by default', async () => {
    ecr.on(DescribeImageScanFindingsCommand).resolves(enhanced());
    const result = await invoke(inspectorScanEvent('5c1e0f1a-0001'));

    expect(result).toMatchObject({
      outcome: 'imported',
      repositoryName: REPOSITORY,
      imageDigest: DIGEST,
      vulnerabilities: 2,
      findings: 1,
    });
    expect(ecr).toHaveReceivedCommandExactlyOnceWith(DescribeImageScanFindingsCommand, {
      registryId: ACCOUNT,
      repositoryName: REPOSITORY,
      imageId: { imageDigest: DIGEST },
      maxResults: 1000,
    });
    const imported = securityHub.commandCalls(BatchImportFindingsCommand)[0]?.args[0].input.Findings ?? [];
    // Inspector already sends one finding per vulnerability: ours is the image's, with its counts.
    expect(imported.map((f) => f.GeneratorId)).toEqual(['ecr-compliance/ecr-enhanced/image']);
    expect(imported[0]?.Severity?.Label).toBe('HIGH');
    expect(imported[0]?.Resources?.map((r) => r.Id)).toEqual([
      `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${REPOSITORY}/${DIGEST}`,
      `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${REPOSITORY}`,
    ]);
  });

  it('imports every vulnerability as well when ENHANCED_FINDING_GRANULARITY is both', async () => {
    const both = (
      await loadHandler<{ handler: Handler }>(HANDLER, environment({ ENHANCED_FINDING_GRANULARITY: 'both' }))
    ).handler;
    try {
      ecr.on(DescribeImageScanFindingsCommand).resolves(enhanced());
      const result = await both(inspectorScanEvent('5c1e0f1a-0002'), lambdaContext('on-image-scan'));
      expect(result).toMatchObject({ outcome: 'imported', findings: 3 });
      const imported = securityHub.commandCalls(BatchImportFindingsCommand)[0]?.args[0].input.Findings ?? [];
      expect(imported.map((f) => f.GeneratorId)).toEqual([
        'ecr-compliance/ecr-enhanced',
        'ecr-compliance/ecr-enhanced',
        'ecr-compliance/ecr-enhanced/image',
      ]);
    } finally {
      handler = (await loadHandler<{ handler: Handler }>(HANDLER, environment())).handler;
    }
  });

  it('keeps basic scans at FINDING_GRANULARITY while enhanced scans import the image finding only', async () => {
    await invoke(scanEvent('5c1e0f1a-0003'));
    const imported = securityHub.commandCalls(BatchImportFindingsCommand)[0]?.args[0].input.Findings ?? [];
    expect(imported).toHaveLength(3);
  });

  it('refuses a repository ARN of another account, naming the field, before any AWS call', async () => {
    await expect(
      invoke(
        inspectorScanEvent('5c1e0f1a-0004', {
          'repository-name': `arn:aws:ecr:us-east-1:444455556666:repository/${REPOSITORY}`,
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(
        /^detail\.repository-name: repository arn:aws:ecr:us-east-1:444455556666/,
      ),
    });
    expect(ecr).not.toHaveReceivedAnyCommand();
    expect(securityHub).not.toHaveReceivedAnyCommand();
  });

  it('rejects a malformed Inspector2 Scan event with a validation error naming the field', async () => {
    await expect(
      invoke(inspectorScanEvent('5c1e0f1a-0005', { 'image-digest': 'latest' })),
    ).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^detail\.image-digest: /),
    });
    expect(ecr).not.toHaveReceivedAnyCommand();
  });

  it('fails the module load when ENHANCED_FINDING_GRANULARITY is not a known choice', async () => {
    await expect(
      loadHandler(HANDLER, environment({ ENHANCED_FINDING_GRANULARITY: 'duplicates' })),
    ).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining('ENHANCED_FINDING_GRANULARITY'),
    });
  });
});
