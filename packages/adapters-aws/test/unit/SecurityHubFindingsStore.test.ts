import '../support/mockMatchers.js';
import {
  GetFindingsCommand,
  InternalException,
  InvalidInputException,
  LimitExceededException,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { imageArn, productArn, repositoryArn } from '@ecr-compliance/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SecurityHubFindingsStore } from '../../src/securityhub/SecurityHubFindingsStore.js';
import { ACCOUNT, DIGEST, FakeTimer, REPOSITORY, sdkError } from './helpers.js';

const securityHub = mockClient(SecurityHubClient);
const client = new SecurityHubClient({ region: 'us-east-1', maxAttempts: 1 });
const image = { accountId: ACCOUNT, region: 'us-east-1', repositoryName: REPOSITORY, imageDigest: DIGEST };
const IMAGE_ARN = imageArn(image);
const PRODUCT_ARN = productArn('us-east-1', ACCOUNT);

/** A stored finding of ours on the image, with `overrides`. */
function stored(id: string, overrides: Record<string, unknown> = {}) {
  return {
    Id: `ecr-compliance/ecr-basic/${id}`,
    ProductArn: PRODUCT_ARN,
    GeneratorId: 'ecr-compliance/ecr-basic',
    CreatedAt: '2026-11-20T10:16:02.000Z',
    UpdatedAt: '2026-11-20T10:16:02.000Z',
    RecordState: 'ACTIVE',
    Resources: [{ Type: 'AwsEcrContainerImage', Id: IMAGE_ARN }],
    ...overrides,
  };
}

function store() {
  const timer = new FakeTimer();
  return { timer, store: new SecurityHubFindingsStore({ client, timer, random: () => 0.5 }) };
}

beforeEach(() => {
  securityHub.reset();
});

afterAll(() => {
  securityHub.restore();
});

describe('SecurityHubFindingsStore', () => {
  it('asks for the product, the image resource and our GeneratorId prefix, 100 per page', async () => {
    securityHub.on(GetFindingsCommand).resolves({ Findings: [stored('a') as never] });

    const found = await store().store.findingsOf(image);

    expect(found.map((f) => f.Id)).toEqual(['ecr-compliance/ecr-basic/a']);
    expect(securityHub).toHaveReceivedCommandExactlyOnceWith(GetFindingsCommand, {
      Filters: {
        ProductArn: [{ Value: PRODUCT_ARN, Comparison: 'EQUALS' }],
        ResourceId: [{ Value: IMAGE_ARN, Comparison: 'EQUALS' }],
        GeneratorId: [{ Value: 'ecr-compliance/', Comparison: 'PREFIX' }],
      },
      MaxResults: 100,
    });
  });

  it('follows NextToken through every page', async () => {
    securityHub
      .on(GetFindingsCommand)
      .resolvesOnce({ Findings: [stored('a') as never], NextToken: 'page-2' })
      .resolvesOnce({ Findings: [stored('b') as never], NextToken: 'page-3' })
      .resolvesOnce({ Findings: [stored('c', { RecordState: 'ARCHIVED' }) as never] });

    const { store: s } = store();
    const found = await s.findingsOf(image);

    expect(found.map((f) => f.Id)).toEqual([
      'ecr-compliance/ecr-basic/a',
      'ecr-compliance/ecr-basic/b',
      'ecr-compliance/ecr-basic/c',
    ]);
    const tokens = securityHub.commandCalls(GetFindingsCommand).map((c) => c.args[0].input.NextToken);
    expect(tokens).toEqual([undefined, 'page-2', 'page-3']);
    expect(s.requests).toBe(3);
  });

  it('keeps only findings that meet the filters itself, for a store that ignores them', async () => {
    securityHub.on(GetFindingsCommand).resolves({
      Findings: [
        stored('mine'),
        stored('other-image', { Resources: [{ Type: 'AwsEcrContainerImage', Id: `${IMAGE_ARN}0` }] }),
        stored('other-product', { ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector' }),
        stored('other-generator', { GeneratorId: 'ecr-compliancex/ecr-basic' }),
        // Our GeneratorId on an Id that is not ours: another writer's finding, not this tool's.
        { ...stored('foreign-id'), Id: 'ci-scanner/ecr-basic/foreign-id' },
        stored('repository-too', {
          Resources: [
            { Type: 'AwsEcrContainerImage', Id: IMAGE_ARN },
            {
              Type: 'AwsEcrRepository',
              Id: 'arn:aws:ecr:us-east-1:111122223333:repository/team-a/payments-api',
            },
          ],
        }),
      ] as never,
    });

    const found = await store().store.findingsOf(image);

    expect(found.map((f) => f.Id)).toEqual([
      'ecr-compliance/ecr-basic/mine',
      'ecr-compliance/ecr-basic/repository-too',
    ]);
  });

  it('waits for the GetFindings quota (3 requests/s, burst 6)', async () => {
    securityHub.on(GetFindingsCommand).callsFake((input: { NextToken?: string }) => {
      const n = Number(input.NextToken ?? '0') + 1;
      return { Findings: [], ...(n < 9 ? { NextToken: String(n) } : {}) };
    });
    const { timer, store: s } = store();

    await s.findingsOf(image);

    expect(s.requests).toBe(9);
    // Six at once, then three more at a third of a second each.
    expect(timer.sleeps).toHaveLength(3);
    expect(timer.time).toBeGreaterThanOrEqual(1000);
  });

  it('retries throttling and server faults with backoff, then reads on', async () => {
    securityHub
      .on(GetFindingsCommand)
      .rejectsOnce(sdkError(LimitExceededException, 'Rate exceeded', 429))
      .rejectsOnce(sdkError(InternalException, 'Internal', 500))
      .resolves({ Findings: [stored('a') as never] });
    const { timer, store: s } = store();

    const found = await s.findingsOf(image);

    expect(found).toHaveLength(1);
    expect(s.requests).toBe(3);
    expect(timer.sleeps).toEqual([100, 200]);
  });

  it('fails with the cause on an error a retry cannot clear, at once', async () => {
    securityHub.on(GetFindingsCommand).rejects(sdkError(InvalidInputException, 'bad filter', 400));
    const { store: s } = store();

    await expect(s.findingsOf(image)).rejects.toThrow(
      "could not read the image's findings: InvalidInputException (HTTP 400): bad filter",
    );
    expect(s.requests).toBe(1);
  });

  it('gives up after maxAttempts of throttling', async () => {
    securityHub.on(GetFindingsCommand).rejects(sdkError(LimitExceededException, 'Rate exceeded', 429));
    const s = new SecurityHubFindingsStore({ client, timer: new FakeTimer(), maxAttempts: 3 });

    await expect(s.findingsOf(image)).rejects.toThrow(/LimitExceededException/);
    expect(s.requests).toBe(3);
  });
});

describe('SecurityHubFindingsStore: the findings about a repository (automatic unblock)', () => {
  const repository = { accountId: ACCOUNT, region: 'us-east-1', repositoryName: REPOSITORY };
  const REPOSITORY_ARN = repositoryArn('us-east-1', ACCOUNT, REPOSITORY);
  const INSPECTOR = 'arn:aws:securityhub:us-east-1::product/aws/inspector';
  const imageFindingOf = (id: string, overrides: Record<string, unknown> = {}) =>
    stored(id, {
      GeneratorId: 'ecr-compliance/ecr-basic/image',
      ProductFields: { 'ecr-compliance/FindingType': 'image' },
      Resources: [
        { Type: 'AwsEcrContainerImage', Id: IMAGE_ARN },
        { Type: 'AwsEcrRepository', Id: REPOSITORY_ARN },
      ],
      ...overrides,
    });
  const inspectorFinding = (id: string, overrides: Record<string, unknown> = {}) => ({
    Id: `arn:aws:inspector2:us-east-1:${ACCOUNT}:finding/${id}`,
    ProductArn: INSPECTOR,
    GeneratorId: 'AWSInspector',
    CreatedAt: '2026-11-20T10:16:02.000Z',
    UpdatedAt: '2026-11-20T10:16:02.000Z',
    RecordState: 'ACTIVE',
    Resources: [{ Type: 'AwsEcrContainerImage', Id: IMAGE_ARN }],
    ...overrides,
  });
  const HIGH_UP = [
    { Value: 'HIGH', Comparison: 'EQUALS' },
    { Value: 'CRITICAL', Comparison: 'EQUALS' },
  ];
  const common = {
    ResourceId: [{ Value: `${REPOSITORY_ARN}/`, Comparison: 'PREFIX' }],
    RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
    WorkflowStatus: [{ Value: 'SUPPRESSED', Comparison: 'NOT_EQUALS' }],
  };
  const byLabel = { ...common, SeverityLabel: HIGH_UP };
  const byProviderLabel = { ...common, FindingProviderFieldsSeverityLabel: HIGH_UP };

  const holder = (
    source: 'ours' | 'inspector',
    holds: (f: { Id: string }) => boolean = () => true,
    limit = 1000,
  ) => store().store.firstHolder(repository, { source, atOrAbove: 'HIGH', limit, holds });
  const ours = {
    ProductArn: [{ Value: PRODUCT_ARN, Comparison: 'EQUALS' }],
    GeneratorId: [{ Value: 'ecr-compliance/', Comparison: 'PREFIX' }],
  };
  const theirs = { ProductArn: [{ Value: INSPECTOR, Comparison: 'EQUALS' }] };

  it("reads this tool's active, unsuppressed findings at or above the threshold, and stops at the first that holds", async () => {
    securityHub
      .on(GetFindingsCommand)
      .callsFake((input) =>
        input.NextToken
          ? { Findings: [stored('b'), stored('c')] }
          : { Findings: [imageFindingOf('a')], NextToken: 'page-2' },
      );

    const found = await holder('ours', (f) => f.Id.endsWith('/b'));

    expect(found).toMatchObject({ holder: { Id: 'ecr-compliance/ecr-basic/b' } });
    expect(securityHub.commandCalls(GetFindingsCommand).map((call) => call.args[0].input)).toEqual([
      { Filters: { ...byLabel, ...ours }, MaxResults: 100 },
      expect.objectContaining({ NextToken: 'page-2' }),
    ]);
  });

  it("reads the person's label and then the provider's label, and says when nothing holds", async () => {
    securityHub.on(GetFindingsCommand).resolves({ Findings: [inspectorFinding('i')] as never });

    const found = await holder('inspector', () => false);

    expect(found).toEqual({ complete: true });
    // Filters on different fields are AND-ed: the person's label and the provider's take a read each,
    // so that a finding a person rated down but the provider rates HIGH is still found.
    expect(securityHub.commandCalls(GetFindingsCommand).map((call) => call.args[0].input)).toEqual([
      { Filters: { ...byLabel, ...theirs }, MaxResults: 100 },
      { Filters: { ...byProviderLabel, ...theirs }, MaxResults: 100 },
    ]);
  });

  it('stops at its limit of candidates and says the search is not complete', async () => {
    securityHub.on(GetFindingsCommand).resolves({
      Findings: [stored('a'), stored('b'), stored('c')] as never,
      NextToken: 'more',
    });

    expect(await holder('ours', () => false, 2)).toEqual({ complete: false });
    expect(securityHub).toHaveReceivedCommandTimes(GetFindingsCommand, 1);
  });

  it('asks for every label from the threshold up', async () => {
    securityHub.on(GetFindingsCommand).resolves({ Findings: [] });
    await store().store.firstHolder(repository, {
      source: 'ours',
      atOrAbove: 'LOW',
      limit: 10,
      holds: () => true,
    });
    const filters = securityHub.commandCalls(GetFindingsCommand)[0]?.args[0].input.Filters;
    expect(filters?.SeverityLabel?.map((f) => f.Value)).toEqual(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
  });

  it('offers only active findings of images of exactly this repository, for a store that ignores the filters', async () => {
    const nested = repositoryArn('us-east-1', ACCOUNT, `${REPOSITORY}/nested`);
    const longer = repositoryArn('us-east-1', ACCOUNT, `${REPOSITORY}-2`);
    securityHub.on(GetFindingsCommand).resolves({
      Findings: [
        imageFindingOf('keep-image-finding'),
        stored('keep-vulnerability-finding'),
        inspectorFinding('keep-inspector'),
        imageFindingOf('archived', { RecordState: 'ARCHIVED' }),
        inspectorFinding('archived-inspector', { RecordState: 'ARCHIVED' }),
        stored('nested-repository', {
          Resources: [{ Type: 'AwsEcrContainerImage', Id: `${nested}/${DIGEST}` }],
        }),
        stored('longer-name', { Resources: [{ Type: 'AwsEcrContainerImage', Id: `${longer}/${DIGEST}` }] }),
        imageFindingOf('other-product', {
          ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty',
        }),
        imageFindingOf('other-generator', { GeneratorId: 'someone-else/image' }),
      ] as never,
    });
    const offered = (source: 'ours' | 'inspector') => {
      const ids: string[] = [];
      return holder(source, (f) => {
        ids.push(f.Id);
        return false;
      }).then(() => [...new Set(ids)]);
    };

    expect(await offered('ours')).toEqual([
      'ecr-compliance/ecr-basic/keep-image-finding',
      'ecr-compliance/ecr-basic/keep-vulnerability-finding',
    ]);
    expect(await offered('inspector')).toEqual([
      `arn:aws:inspector2:us-east-1:${ACCOUNT}:finding/keep-inspector`,
    ]);
  });

  it("lists the findings that hold a block for status: ours then Inspector's, each once, at or above the threshold", async () => {
    securityHub.on(GetFindingsCommand).callsFake((input) => {
      const inspector = input.Filters?.ProductArn?.[0]?.Value === INSPECTOR;
      return {
        Findings: inspector
          ? [inspectorFinding('i', { Severity: { Label: 'CRITICAL' } })]
          : [
              stored('high', { Severity: { Label: 'HIGH' } }),
              // A store that ignores the filters also returns this: checked again, and left out.
              stored('low', {
                Severity: { Label: 'LOW' },
                FindingProviderFields: { Severity: { Label: 'LOW' } },
              }),
              // A person rated it down; the provider still says HIGH.
              stored('triaged', {
                Severity: { Label: 'LOW' },
                FindingProviderFields: { Severity: { Label: 'HIGH' } },
              }),
            ],
      } as never;
    });

    const { findings, complete } = await store().store.blockingFindings(repository, {
      atOrAbove: 'HIGH',
      limit: 10,
    });

    expect(complete).toBe(true);
    expect(findings.map((f) => f.Id)).toEqual([
      'ecr-compliance/ecr-basic/high',
      'ecr-compliance/ecr-basic/triaged',
      `arn:aws:inspector2:us-east-1:${ACCOUNT}:finding/i`,
    ]);
    expect(securityHub.commandCalls(GetFindingsCommand).map((call) => call.args[0].input.Filters)).toEqual([
      { ...byLabel, ...ours },
      { ...byProviderLabel, ...ours },
      { ...byLabel, ...theirs },
      { ...byProviderLabel, ...theirs },
    ]);
  });

  it('stops listing at the limit and says the list is not complete', async () => {
    securityHub.on(GetFindingsCommand).resolves({
      Findings: [stored('a'), stored('b'), stored('c')] as never,
      NextToken: 'more',
    });

    const listed = await store().store.blockingFindings(repository, { atOrAbove: 'HIGH', limit: 2 });

    expect(listed).toEqual({
      findings: [expect.objectContaining({ Id: 'ecr-compliance/ecr-basic/a' }), expect.anything()],
      complete: false,
    });
    expect(securityHub).toHaveReceivedCommandTimes(GetFindingsCommand, 1);
  });

  it("finds the audit trail's latest record about the repository, on ours or Inspector's findings only", async () => {
    const audit = (
      action: string,
      at: string,
      by = 'arn:aws:securityhub:us-east-1:111122223333:action/custom/ECR1',
    ) => ({
      UserDefinedFields: {
        'ecr-compliance/LastAction': action,
        'ecr-compliance/LastActionAt': at,
        'ecr-compliance/LastActionBy': by,
        'ecr-compliance/LastActionOutcome': 'pulls denied',
        'ecr-compliance/Repository': REPOSITORY_ARN,
      },
    });
    securityHub.on(GetFindingsCommand).resolves({
      Findings: [
        stored('older', audit('block', '2026-11-01T00:00:00Z')),
        inspectorFinding(
          'latest',
          audit('unblock', '2026-11-20T08:00:00.000Z', 'ecr-compliance automatic unblock'),
        ),
        // Someone else's product: not this tool's record, whatever it says.
        imageFindingOf('foreign', {
          ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty',
          ...audit('block', '2026-12-01T00:00:00Z'),
        }),
        stored('other-repository', {
          UserDefinedFields: {
            ...audit('block', '2026-12-01T00:00:00Z').UserDefinedFields,
            'ecr-compliance/Repository': `${REPOSITORY_ARN}-2`,
          },
        }),
        stored('unreadable-time', audit('block', 'yesterday')),
        stored('no-record'),
      ] as never,
    });

    expect(await store().store.lastAction(repository)).toEqual({
      action: 'unblock',
      at: '2026-11-20T08:00:00.000Z',
      by: 'ecr-compliance automatic unblock',
      outcome: 'pulls denied',
      findingId: `arn:aws:inspector2:us-east-1:${ACCOUNT}:finding/latest`,
    });
    expect(securityHub.commandCalls(GetFindingsCommand)[0]?.args[0].input.Filters).toEqual({
      UserDefinedFields: [{ Key: 'ecr-compliance/Repository', Value: REPOSITORY_ARN, Comparison: 'EQUALS' }],
    });
  });

  it('says nothing about a repository the audit trail never recorded', async () => {
    securityHub.on(GetFindingsCommand).resolves({ Findings: [stored('no-record')] as never });
    expect(await store().store.lastAction(repository)).toBeUndefined();
  });

  it('names the repository in the error of a read that cannot be retried', async () => {
    securityHub.on(GetFindingsCommand).rejects(sdkError(InvalidInputException, 'bad filter', 400));

    await expect(holder('ours')).rejects.toThrow(
      "could not read the repository's findings: InvalidInputException (HTTP 400): bad filter",
    );
  });
});
