import '../support/mockMatchers.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteRepositoryPolicyCommand,
  DescribeImageScanFindingsCommand,
  ECRClient,
  GetRepositoryPolicyCommand,
  ListImagesCommand,
  RepositoryNotFoundException,
  RepositoryPolicyNotFoundException,
  ScanNotFoundException,
  ServerException,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { BLOCK_STATEMENT_SID, DENIED_PULL_ACTIONS, toAsffFindings } from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureLogs, lambdaContext, loadHandler } from '../support/world.js';
import { actionEvent, BLOCK, environment, type Handler, pageOf } from './handlers.support.js';
import { ACCOUNT, basicFinding, basicPage, DIGEST, REPOSITORY, sdkError } from './helpers.js';

const HANDLER = '../../src/handlers/on-finding-imported.js';
const ecr = mockClient(ECRClient);
const securityHub = mockClient(SecurityHubClient);
const dynamodb = mockClient(DynamoDBClient);

const scanned = scannedImageFromEcr(pageOf(REPOSITORY), { region: 'us-east-1' });
const image = {
  ...(toAsffFindings(scanned).find((f) => f.GeneratorId.endsWith('/image')) as object),
  Workflow: { Status: 'NEW' },
  ProcessedAt: '2026-11-20T10:16:06.402Z',
} as Record<string, any>;
const DENY = { Sid: BLOCK_STATEMENT_SID, Effect: 'Deny', Principal: '*', Action: [...DENIED_PULL_ACTIONS] };
const policy = (...Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const LAMBDA = {
  Sid: 'LambdaECRImageRetrievalPolicy',
  Effect: 'Allow',
  Principal: { Service: 'lambda.amazonaws.com' },
  Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
};

const imported = (id: string, findings: unknown[], account = ACCOUNT) => ({
  ...actionEvent(id, BLOCK, findings),
  account,
  'detail-type': 'Security Hub Findings - Imported',
  resources: [`arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default/finding`],
  detail: { findings },
});
const load = async (extra: Record<string, string> = {}) =>
  (await loadHandler<{ handler: Handler }>(HANDLER, environment(extra))).handler;
const run = (handler: Handler, event: unknown) => handler(event, lambdaContext('on-finding-imported'));

let logs: ReturnType<typeof captureLogs>;

beforeEach(() => {
  ecr.reset();
  securityHub.reset();
  dynamodb.reset();
  ecr
    .on(GetRepositoryPolicyCommand)
    .rejects(sdkError(RepositoryPolicyNotFoundException, 'Repository policy does not exist', 400));
  ecr.on(SetRepositoryPolicyCommand).resolves({});
  ecr.on(DeleteRepositoryPolicyCommand).resolves({});
  securityHub.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
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

describe('on-finding-imported: automatic blocking', () => {
  it('does nothing while both automatic modes are off (the default)', async () => {
    const result = await run(await load(), imported('9b1c0000-0001', [image]));
    expect(result).toEqual({ outcomes: [] });
    expect(ecr).not.toHaveReceivedAnyCommand();
    expect(logs.lines().find((line) => line.level === 'WARN')?.message).toBe(
      'nothing done: automatic remediation and unblock are off',
    );
  });

  it("blocks when ECR's scan of the image confirms it, notes it once, and writes nothing more on the note's event", async () => {
    const handler = await load({ AUTO_REMEDIATION: 'true' });
    ecr.on(DescribeImageScanFindingsCommand).resolves(basicPage());

    const first = await run(handler, imported('9b1c0000-0002', [image]));

    expect(first.outcomes[0]).toMatchObject({ status: 'blocked', changed: true, audit: { recorded: true } });
    expect(ecr).toHaveReceivedCommandWith(DescribeImageScanFindingsCommand, {
      repositoryName: REPOSITORY,
      registryId: ACCOUNT,
      imageId: { imageDigest: DIGEST },
    });
    expect(
      JSON.parse(ecr.commandCalls(SetRepositoryPolicyCommand)[0]?.args[0].input.policyText ?? ''),
    ).toEqual({
      Version: '2012-10-17',
      Statement: [DENY],
    });
    expect(securityHub.commandCalls(BatchUpdateFindingsCommand)[0]?.args[0].input.Note?.Text).toMatch(
      /^Blocked pulls: pulls denied: ECR's scan of sha256:\w+ confirms HIGH on .* by ecr-compliance automatic remediation$/,
    );

    ecr.on(GetRepositoryPolicyCommand).resolves({ policyText: policy(DENY) });
    const second = await run(handler, imported('9b1c0000-0003', [image]));
    expect(second.outcomes[0]).toMatchObject({
      status: 'blocked',
      changed: false,
      audit: { recorded: false },
    });
    expect(securityHub).toHaveReceivedCommandTimes(BatchUpdateFindingsCommand, 1);
    expect(ecr).toHaveReceivedCommandTimes(SetRepositoryPolicyCommand, 1);
  });

  it('refuses a finding ECR has no scan for, and writes no policy', async () => {
    const handler = await load({ AUTO_REMEDIATION: 'true' });
    ecr.on(DescribeImageScanFindingsCommand).rejects(sdkError(ScanNotFoundException, 'no scan', 400));

    const result = await run(handler, imported('9b1c0000-0004', [image]));

    expect(result.outcomes[0]).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('does not confirm the finding: no scan'),
    });
    expect(ecr).not.toHaveReceivedCommand(GetRepositoryPolicyCommand);
    expect(ecr).not.toHaveReceivedCommand(SetRepositoryPolicyCommand);
  });

  it('refuses an event of another account before any call', async () => {
    const handler = await load({ AUTO_REMEDIATION: 'true' });
    await expect(run(handler, imported('9b1c0000-0005', [image], '444455556666'))).rejects.toThrow(
      /^account: event of 444455556666\/us-east-1, but this function remediates for 111122223333\/us-east-1$/,
    );
    expect(ecr).not.toHaveReceivedAnyCommand();
  });

  it('fails the invocation, for the failure queue, when ECR cannot answer', async () => {
    const handler = await load({ AUTO_REMEDIATION: 'true' });
    ecr.on(DescribeImageScanFindingsCommand).rejects(sdkError(ServerException, 'boom', 500));
    await expect(run(handler, imported('9b1c0000-0006', [image]))).rejects.toMatchObject({
      name: 'AutomaticRemediationFailedError',
      message: expect.stringContaining('1 of 1 findings not handled: ServerException'),
    });
    expect(ecr).not.toHaveReceivedCommand(SetRepositoryPolicyCommand);
  });

  it('rejects AUTO_REMEDIATION values other than true and false at cold start', async () => {
    await expect(load({ AUTO_REMEDIATION: 'yes' })).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: 'invalid configuration of on-finding-imported: AUTO_REMEDIATION must be "true" or "false"',
    });
  });
});

describe('on-finding-imported: automatic unblock', () => {
  const archived = { ...image, RecordState: 'ARCHIVED' };

  it("releases when ECR's scan of every image and the findings show nothing at or above the threshold", async () => {
    const handler = await load({ AUTO_UNBLOCK: 'true' });
    ecr.on(GetRepositoryPolicyCommand).resolves({ policyText: policy(LAMBDA, DENY) });
    ecr.on(ListImagesCommand).resolves({ imageIds: [{ imageDigest: DIGEST, imageTag: '1.8.2' }] });
    ecr
      .on(DescribeImageScanFindingsCommand)
      .resolves(basicPage({ findings: [basicFinding('CVE-2026-1', 'zlib', 'LOW')] }));
    securityHub.on(GetFindingsCommand).resolves({ Findings: [] });

    const result = await run(handler, imported('9b1c0000-0010', [archived]));

    expect(result.outcomes[0]).toMatchObject({ status: 'unblocked', changed: true, policyDeleted: false });
    expect(
      JSON.parse(ecr.commandCalls(SetRepositoryPolicyCommand)[0]?.args[0].input.policyText ?? '').Statement,
    ).toEqual([LAMBDA]);
    expect(ecr).toHaveReceivedCommandWith(ListImagesCommand, {
      repositoryName: REPOSITORY,
      registryId: ACCOUNT,
    });
    const products = securityHub
      .commandCalls(GetFindingsCommand)
      .map((call) => call.args[0].input.Filters?.ProductArn?.[0]?.Value);
    expect(products).toEqual([
      `arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default`,
      `arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default`,
      'arn:aws:securityhub:us-east-1::product/aws/inspector',
      'arn:aws:securityhub:us-east-1::product/aws/inspector',
      // After the release: the repository's image findings, to clear the block mark.
      `arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default`,
    ]);
    expect(securityHub.commandCalls(GetFindingsCommand)[4]?.args[0].input.Filters?.ProductFields).toEqual([
      { Key: 'ecr-compliance/FindingType', Value: 'image', Comparison: 'EQUALS' },
    ]);
    expect(result.outcomes[0]).toMatchObject({ mark: { value: 'false', written: 0 } });
    expect(securityHub.commandCalls(BatchUpdateFindingsCommand)[0]?.args[0].input.Note?.Text).toMatch(
      /^Unblocked pulls: pulls allowed: ECR's scans of the repository's 1 image\(s\) and Amazon Inspector show nothing at or above HIGH on .* by ecr-compliance automatic remediation$/,
    );
  });

  it("keeps the block while ECR's scan of an image still shows the HIGH CVE, whatever the finding says", async () => {
    const handler = await load({ AUTO_UNBLOCK: 'true' });
    ecr.on(GetRepositoryPolicyCommand).resolves({ policyText: policy(DENY) });
    ecr.on(ListImagesCommand).resolves({ imageIds: [{ imageDigest: DIGEST }] });
    ecr.on(DescribeImageScanFindingsCommand).resolves(basicPage());
    securityHub.on(GetFindingsCommand).resolves({ Findings: [] });
    const lowered = {
      ...image,
      Severity: { Label: 'LOW' },
      FindingProviderFields: { Severity: { Label: 'LOW' } },
    };

    const result = await run(handler, imported('9b1c0000-0011', [lowered]));

    expect(result.outcomes[0]).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(
        /^ECR's scan of image sha256:\w+ shows CVE-\d+-\d+ at HIGH, at or above HIGH; the block stays$/,
      ),
    });
    expect(ecr).not.toHaveReceivedCommand(SetRepositoryPolicyCommand);
    expect(ecr).not.toHaveReceivedCommand(DeleteRepositoryPolicyCommand);
    expect(securityHub).not.toHaveReceivedCommand(BatchUpdateFindingsCommand);
  });

  it('skips, and does not fail, for a repository deleted since its finding was imported', async () => {
    const handler = await load({ AUTO_UNBLOCK: 'true' });
    ecr
      .on(GetRepositoryPolicyCommand)
      .rejects(sdkError(RepositoryNotFoundException, 'The repository does not exist', 400));

    const result = await run(handler, imported('9b1c0000-0012', [archived]));

    expect(result.outcomes[0]).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(
        /^the repository no longer exists \(repository team-a\/payments-api not found/,
      ),
    });
    expect(logs.lines().filter((line) => line.level === 'ERROR')).toEqual([]);
  });

  it('with only automatic unblock on, does not block for a finding at or above the threshold', async () => {
    const handler = await load({ AUTO_UNBLOCK: 'true' });
    const result = await run(handler, imported('9b1c0000-0013', [image]));
    expect(result.outcomes[0]).toMatchObject({ status: 'skipped', reason: 'automatic blocking is off' });
    expect(ecr).not.toHaveReceivedAnyCommand();
  });
});

describe('on-finding-imported: metrics and events', () => {
  const eventBridge = mockClient(EventBridgeClient);
  afterAll(() => eventBridge.restore());

  it('counts an automatic block and puts "Repository Blocked" with trigger automatic, once', async () => {
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const handler = await load({ AUTO_REMEDIATION: 'true', EVENT_BUS_NAME: 'default' });
    ecr.on(DescribeImageScanFindingsCommand).resolves(basicPage());

    await run(handler, imported('9b1c0000-0101', [image]));
    ecr.on(GetRepositoryPolicyCommand).resolves({ policyText: policy(DENY) });
    await run(handler, imported('9b1c0000-0102', [image]));

    const emf = logs.lines().filter((line) => '_aws' in line);
    expect(emf.map((line) => line.RepositoriesBlocked)).toEqual([1]);
    const entries = eventBridge.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries.map((e) => e.DetailType)).toEqual(['Repository Blocked']);
    expect(JSON.parse(entries[0]?.Detail ?? '{}')).toMatchObject({
      trigger: 'automatic',
      actor: 'ecr-compliance automatic remediation',
      repository: { repositoryName: REPOSITORY },
    });
  });
});
