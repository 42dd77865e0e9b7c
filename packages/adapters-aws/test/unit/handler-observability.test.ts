/**
 * The handlers' metrics (EMF lines on standard output) and domain events (PutEvents), with the
 * event bus configured as the construct configures it (EVENT_BUS_NAME=default).
 */
import '../support/mockMatchers.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeImageScanFindingsCommand,
  ECRClient,
  GetRepositoryPolicyCommand,
  RepositoryPolicyNotFoundException,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  BatchImportFindingsCommand,
  type BatchImportFindingsCommandInput,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { toAsffFindings } from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { METRIC_NAMESPACE, METRIC_SERVICE } from '../../src/lambda/metricNames.js';
import { captureLogs, lambdaContext, loadHandler } from '../support/world.js';
import { actionEvent, BLOCK, environment, type Handler, pageOf, scanEvent } from './handlers.support.js';
import { ACCOUNT, basicPage, REPOSITORY, sdkError } from './helpers.js';

const ecr = mockClient(ECRClient);
const securityHub = mockClient(SecurityHubClient);
const dynamodb = mockClient(DynamoDBClient);
const eventBridge = mockClient(EventBridgeClient);

const allImported = (input: BatchImportFindingsCommandInput) => ({
  FailedCount: 0,
  SuccessCount: input.Findings?.length ?? 0,
  FailedFindings: [],
});
const findings = toAsffFindings(scannedImageFromEcr(pageOf(REPOSITORY), { region: 'us-east-1' })).map(
  (f) => ({
    ...f,
    Workflow: { Status: 'NEW' },
  }),
);
const [high, medium] = findings as [any, any];

let logs: ReturnType<typeof captureLogs>;

const load = async (name: string) =>
  (
    await loadHandler<{ handler: Handler }>(
      `../../src/handlers/${name}.js`,
      environment({ EVENT_BUS_NAME: 'default' }),
    )
  ).handler;

/** The EMF lines written so far: the JSON lines with an `_aws` key. */
const emf = () => logs.lines().filter((line) => '_aws' in line);
/** The total of `name` over every EMF line whose dimensions are `dimensions` (besides `service`). */
function metric(name: string, dimensions: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const line of emf()) {
    const directive = (line._aws as any).CloudWatchMetrics[0];
    const keys = directive.Dimensions[0] as string[];
    const extra = keys.filter((k) => k !== 'service');
    const wanted = Object.keys(dimensions);
    if (extra.length !== wanted.length || !wanted.every((k) => line[k] === dimensions[k])) continue;
    if (!directive.Metrics.some((m: { Name: string }) => m.Name === name)) continue;
    const value = line[name] as number | number[];
    total = (total ?? 0) + (Array.isArray(value) ? value.reduce((a, b) => a + b, 0) : value);
  }
  return total;
}
/** The entries PutEvents was sent. */
const putEntries = () =>
  eventBridge.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);

beforeEach(() => {
  ecr.reset();
  securityHub.reset();
  dynamodb.reset();
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  ecr.on(DescribeImageScanFindingsCommand).resolves(basicPage());
  securityHub.on(BatchImportFindingsCommand).callsFake(allImported);
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
  eventBridge.restore();
});

describe('on-image-scan: metrics and events', () => {
  it('writes one EMF line with the imported, archived, unchanged and failed counts', async () => {
    const handler = await load('on-image-scan');

    await handler(scanEvent('0b5e7c1a-0001'), lambdaContext('on-image-scan'));

    const lines = emf();
    expect(lines).toHaveLength(1);
    expect((lines[0]?._aws as any)?.CloudWatchMetrics).toEqual([
      {
        Namespace: METRIC_NAMESPACE,
        Dimensions: [['service']],
        Metrics: expect.arrayContaining([
          { Name: 'FindingsImported', Unit: 'Count' },
          { Name: 'FindingsArchived', Unit: 'Count' },
          { Name: 'FindingsUnchanged', Unit: 'Count' },
          { Name: 'FindingsFailed', Unit: 'Count' },
        ]),
      },
    ]);
    expect(lines[0]).toMatchObject({
      service: METRIC_SERVICE,
      FindingsImported: 3,
      FindingsArchived: 0,
      FindingsUnchanged: 0,
      FindingsFailed: 0,
    });
  });

  it('puts "Image Findings Imported" with the counts per severity and the new HIGH vulnerability', async () => {
    const handler = await load('on-image-scan');

    await handler(scanEvent('0b5e7c1a-0002'), lambdaContext('on-image-scan'));

    const entries = putEntries();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      Source: 'ecr-compliance',
      DetailType: 'Image Findings Imported',
      EventBusName: 'default',
      Resources: [`arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${REPOSITORY}`],
    });
    const detail = JSON.parse(entries[0]?.Detail ?? '{}');
    expect(detail).toMatchObject({
      version: '1',
      repository: { accountId: ACCOUNT, region: 'us-east-1', repositoryName: REPOSITORY },
      severityCounts: { CRITICAL: 0, HIGH: 1, MEDIUM: 1, LOW: 0, INFORMATIONAL: 0 },
      imported: 3,
      archived: 0,
      failed: 0,
      newCounts: { CRITICAL: 0, HIGH: 1 },
      truncated: false,
    });
    expect(detail.newVulnerabilities).toEqual([
      expect.objectContaining({ id: high.Vulnerabilities[0].Id, severity: 'HIGH' }),
    ]);
  });

  it('lists no new vulnerability when Security Hub already holds the findings ACTIVE', async () => {
    securityHub.on(GetFindingsCommand).resolves({
      Findings: findings.map((f) => ({ ...f, UpdatedAt: '2026-11-20T10:16:00.000Z' })) as never,
    });
    const handler = await load('on-image-scan');

    await handler(scanEvent('0b5e7c1a-0003'), lambdaContext('on-image-scan'));

    const detail = JSON.parse(putEntries()[0]?.Detail ?? '{}');
    expect(detail.newCounts).toEqual({ CRITICAL: 0, HIGH: 0 });
    expect(detail.newVulnerabilities).toEqual([]);
  });

  it('imports although PutEvents fails, and logs and counts the event not put', async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error('socket hang up'));
    const handler = await load('on-image-scan');

    const result = await handler(scanEvent('0b5e7c1a-0004'), lambdaContext('on-image-scan'));

    expect(result).toMatchObject({ outcome: 'imported', publish: { succeeded: 3 } });
    expect(logs.lines().filter((l) => l.message === 'domain events not put')).toEqual([
      expect.objectContaining({ level: 'WARN', count: 1 }),
    ]);
    expect(metric('EventsNotPut')).toBe(1);
  });
});

describe('on-custom-action: metrics and events', () => {
  const noPolicy = () =>
    sdkError(RepositoryPolicyNotFoundException, 'Repository policy does not exist for the repository', 400);

  it('counts a block and puts "Repository Blocked" with the repository and the finding', async () => {
    ecr.on(GetRepositoryPolicyCommand).rejects(noPolicy());
    ecr.on(SetRepositoryPolicyCommand).resolves({});
    const handler = await load('on-custom-action');

    await handler(actionEvent('1c2d3e4f-0001', BLOCK, [high]), lambdaContext('on-custom-action'));

    expect(metric('RepositoriesBlocked')).toBe(1);
    const entries = putEntries();
    expect(entries.map((e) => [e.Source, e.DetailType, e.Resources])).toEqual([
      ['ecr-compliance', 'Repository Blocked', [`arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${REPOSITORY}`]],
    ]);
    expect(JSON.parse(entries[0]?.Detail ?? '{}')).toMatchObject({
      version: '1',
      repository: { repositoryName: REPOSITORY, accountId: ACCOUNT },
      findingId: high.Id,
      trigger: 'person',
      actor: BLOCK,
      policyDeleted: false,
    });
  });

  it('neither counts nor announces a block of a repository that was already blocked', async () => {
    const handler = await load('on-custom-action');
    ecr.on(GetRepositoryPolicyCommand).rejects(noPolicy());
    ecr.on(SetRepositoryPolicyCommand).resolves({});
    await handler(actionEvent('1c2d3e4f-0002', BLOCK, [high]), lambdaContext('on-custom-action'));
    const policyText = ecr.commandCalls(SetRepositoryPolicyCommand)[0]?.args[0].input.policyText;
    ecr.on(GetRepositoryPolicyCommand).resolves({ policyText });
    logs.restore();
    logs = captureLogs();
    eventBridge.resetHistory();

    await handler(actionEvent('1c2d3e4f-0003', BLOCK, [high]), lambdaContext('on-custom-action'));

    expect(metric('RepositoriesBlocked')).toBeUndefined();
    expect(putEntries()).toEqual([]);
  });

  it('counts a refused block under its reason code and puts "Block Refused"', async () => {
    const handler = await load('on-custom-action');

    await handler(actionEvent('1c2d3e4f-0004', BLOCK, [medium]), lambdaContext('on-custom-action'));

    expect(metric('Refusals', { reason: 'below-threshold' })).toBe(1);
    const entries = putEntries();
    expect(entries.map((e) => e.DetailType)).toEqual(['Block Refused']);
    expect(JSON.parse(entries[0]?.Detail ?? '{}')).toMatchObject({
      findingId: medium.Id,
      reasonCode: 'below-threshold',
      reason: 'severity MEDIUM is below the threshold HIGH',
      trigger: 'person',
    });
  });

  it('blocks although PutEvents answers with a failed entry, and counts it', async () => {
    ecr.on(GetRepositoryPolicyCommand).rejects(noPolicy());
    ecr.on(SetRepositoryPolicyCommand).resolves({});
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });
    const handler = await load('on-custom-action');

    const result = await handler(
      actionEvent('1c2d3e4f-0005', BLOCK, [high]),
      lambdaContext('on-custom-action'),
    );

    expect(result.outcomes[0]).toMatchObject({ status: 'blocked', changed: true });
    expect(metric('EventsNotPut')).toBe(1);
    expect(metric('RepositoriesBlocked')).toBe(1);
  });
});

describe('handlers without an event bus', () => {
  it('put no event when EVENT_BUS_NAME is not set', async () => {
    const handler = (
      await loadHandler<{ handler: Handler }>('../../src/handlers/on-image-scan.js', environment())
    ).handler;

    await handler(scanEvent('0b5e7c1a-0006'), lambdaContext('on-image-scan'));

    expect(eventBridge).not.toHaveReceivedAnyCommand();
    expect(metric('FindingsImported')).toBe(3);
  });
});
