import '../support/mockMatchers.js';
import {
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteRepositoryPolicyCommand,
  ECRClient,
  GetRepositoryPolicyCommand,
  RepositoryPolicyNotFoundException,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import {
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  InvalidAccessException,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { BLOCK_STATEMENT_SID, DENIED_PULL_ACTIONS, toAsffFindings } from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureLogs, lambdaContext, loadHandler } from '../support/world.js';
import {
  actionEvent,
  BLOCK,
  environment,
  type Handler,
  pageOf,
  recordExists,
  storedRecord,
  UNBLOCK,
} from './handlers.support.js';
import { ACCOUNT, coreFixture, REPOSITORY, sdkError } from './helpers.js';

const HANDLER = '../../src/handlers/on-custom-action.js';
const OTHER_REPOSITORY = 'team-b/web';
const ecr = mockClient(ECRClient);
const securityHub = mockClient(SecurityHubClient);
const dynamodb = mockClient(DynamoDBClient);

/** Our findings of a scanned image of `repositoryName`, as Security Hub stores them: [HIGH CVE, MEDIUM CVE, image]. */
function findingsOf(repositoryName: string) {
  const scanned = scannedImageFromEcr(pageOf(repositoryName), { region: 'us-east-1' });
  return toAsffFindings(scanned).map((f) => ({
    ...f,
    WorkflowState: 'NEW',
    Workflow: { Status: 'NEW' },
    ProcessedAt: '2026-11-20T10:16:06.402Z',
  }));
}
const [high, medium, image] = findingsOf(REPOSITORY) as [any, any, any];
const [otherHigh] = findingsOf(OTHER_REPOSITORY) as [any];

const digestOf = (finding: { Resources: Array<{ Id: string }> }) =>
  /sha256:[a-f0-9]{64}/.exec(finding.Resources[0]?.Id ?? '')?.[0] ?? '';
const repositoryArn = (name: string) => `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${name}`;
const LAMBDA_STATEMENT = {
  Sid: 'LambdaECRImageRetrievalPolicy',
  Effect: 'Allow',
  Principal: { Service: 'lambda.amazonaws.com' },
  Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
};
const DENY_STATEMENT = {
  Sid: BLOCK_STATEMENT_SID,
  Effect: 'Deny',
  Principal: '*',
  Action: [...DENIED_PULL_ACTIONS],
};
const policy = (...Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const noPolicy = () =>
  sdkError(RepositoryPolicyNotFoundException, 'Repository policy does not exist for the repository', 400);

/** The policy documents SetRepositoryPolicy was sent, by repository. */
const written = () =>
  ecr.commandCalls(SetRepositoryPolicyCommand).map((call) => ({
    repositoryName: call.args[0].input.repositoryName,
    registryId: call.args[0].input.registryId,
    policy: JSON.parse(call.args[0].input.policyText ?? 'null'),
  }));

let handler: Handler;
let logs: ReturnType<typeof captureLogs>;

beforeAll(async () => {
  handler = (await loadHandler<{ handler: Handler }>(HANDLER, environment())).handler;
});

beforeEach(() => {
  ecr.reset();
  securityHub.reset();
  dynamodb.reset();
  ecr.on(GetRepositoryPolicyCommand).rejects(noPolicy());
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

const invoke = (event: unknown, requestId?: string) =>
  handler(event, lambdaContext('on-custom-action', requestId));

describe('on-custom-action: block', () => {
  it('adds the Deny statement to the existing policy, keeping its statements, and records the audit note', async () => {
    ecr.on(GetRepositoryPolicyCommand).resolves({ policyText: policy(LAMBDA_STATEMENT) });

    const result = await invoke(actionEvent('835b2b99-0001', BLOCK, [high]));

    expect(result).toEqual({
      action: 'block',
      outcomes: [
        {
          status: 'blocked',
          findingId: high.Id,
          repository: { accountId: ACCOUNT, region: 'us-east-1', repositoryName: REPOSITORY },
          repositoryArn: repositoryArn(REPOSITORY),
          changed: true,
          policyDeleted: false,
          audit: { recorded: true },
          // Security Hub holds no image finding of the repository here (GetFindings answers nothing).
          mark: { value: 'true', written: 0, unchanged: 0, failed: [] },
        },
      ],
    });
    expect(ecr).toHaveReceivedCommandExactlyOnceWith(GetRepositoryPolicyCommand, {
      registryId: ACCOUNT,
      repositoryName: REPOSITORY,
    });
    expect(written()).toEqual([
      {
        repositoryName: REPOSITORY,
        registryId: ACCOUNT,
        policy: { Version: '2012-10-17', Statement: [LAMBDA_STATEMENT, DENY_STATEMENT] },
      },
    ]);
    expect(ecr.commandCalls(SetRepositoryPolicyCommand)[0]?.args[0].input).not.toHaveProperty('force');
    expect(securityHub).toHaveReceivedCommandOnce(BatchUpdateFindingsCommand);
    expect(securityHub).toHaveReceivedCommandWith(BatchUpdateFindingsCommand, {
      FindingIdentifiers: [{ Id: high.Id, ProductArn: high.ProductArn }],
      Note: {
        Text: expect.stringMatching(new RegExp(`^Blocked pulls: pulls denied on .* by ${BLOCK}$`)),
        UpdatedBy: 'ecr-compliance',
      },
      UserDefinedFields: expect.objectContaining({
        'ecr-compliance/LastAction': 'block',
        'ecr-compliance/LastActionBy': BLOCK,
      }),
    });
    expect(logs.lines().find((line) => line.message === 'repository blocked')).toMatchObject({
      level: 'INFO',
      correlation_id: '835b2b99-0001',
      findingId: high.Id,
      changed: true,
    });
  });

  it("marks the repository's image findings on a block, and clears the mark on the unblock", async () => {
    securityHub.on(GetFindingsCommand).resolves({ Findings: [image] });
    const blocked = await invoke(actionEvent('835b2b99-0030', BLOCK, [high]));
    expect(blocked.outcomes[0]).toMatchObject({ mark: { value: 'true', written: 1, unchanged: 0 } });
    expect(securityHub.commandCalls(GetFindingsCommand)[0]?.args[0].input.Filters).toMatchObject({
      ProductFields: [{ Key: 'ecr-compliance/FindingType', Value: 'image', Comparison: 'EQUALS' }],
      ResourceId: [{ Value: `${repositoryArn(REPOSITORY)}/`, Comparison: 'PREFIX' }],
    });
    const mark = (n: number) => securityHub.commandCalls(BatchUpdateFindingsCommand)[n]?.args[0].input;
    // The audit note on the clicked finding, then the mark alone on the image finding.
    expect(mark(1)).toEqual({
      FindingIdentifiers: [{ Id: image.Id, ProductArn: image.ProductArn }],
      UserDefinedFields: { 'ecr-compliance/RepositoryBlocked': 'true' },
    });

    ecr.on(GetRepositoryPolicyCommand).resolves({ policyText: policy(DENY_STATEMENT) });
    securityHub.on(GetFindingsCommand).resolves({
      Findings: [{ ...image, UserDefinedFields: { 'ecr-compliance/RepositoryBlocked': 'true' } }],
    });
    const unblocked = await invoke(actionEvent('835b2b99-0031', UNBLOCK, [high]));
    expect(unblocked.outcomes[0]).toMatchObject({
      status: 'unblocked',
      mark: { value: 'false', written: 1 },
    });
    expect(mark(3)).toEqual({
      FindingIdentifiers: [{ Id: image.Id, ProductArn: image.ProductArn }],
      UserDefinedFields: { 'ecr-compliance/RepositoryBlocked': 'false' },
    });
  });

  it('logs a mark it could not write and still succeeds', async () => {
    securityHub.on(GetFindingsCommand).rejects(sdkError(InvalidAccessException, 'not subscribed', 401));
    const result = await invoke(actionEvent('835b2b99-0032', BLOCK, [high]));
    expect(result.outcomes[0]).toMatchObject({
      status: 'blocked',
      mark: { error: expect.stringContaining('not subscribed') },
    });
    expect(
      logs.lines().find((line) => line.message === 'block mark not written on every image finding'),
    ).toMatchObject({
      level: 'WARN',
      repository: repositoryArn(REPOSITORY),
      value: 'true',
    });
  });

  it('creates a policy with only the Deny statement when the repository has none', async () => {
    await invoke(actionEvent('835b2b99-0002', BLOCK, [high]));

    expect(written()).toEqual([
      {
        repositoryName: REPOSITORY,
        registryId: ACCOUNT,
        policy: { Version: '2012-10-17', Statement: [DENY_STATEMENT] },
      },
    ]);
  });

  it('writes nothing when the repository is already blocked', async () => {
    ecr.on(GetRepositoryPolicyCommand).resolves({ policyText: policy(LAMBDA_STATEMENT, DENY_STATEMENT) });

    const result = await invoke(actionEvent('835b2b99-0003', BLOCK, [high]));

    expect(result.outcomes[0]).toMatchObject({ status: 'blocked', changed: false });
    expect(ecr).not.toHaveReceivedCommand(SetRepositoryPolicyCommand);
    expect(securityHub).toHaveReceivedCommandWith(BatchUpdateFindingsCommand, {
      Note: {
        Text: expect.stringMatching(/^Blocked pulls: already blocked on /),
        UpdatedBy: 'ecr-compliance',
      },
    });
  });

  it('refuses findings it must not act on, with the reason, writing nothing', async () => {
    const otherAccount = { ...high, Id: `${high.Id}-x`, AwsAccountId: '444455556666' };
    const notOurs = { ...high, Id: 'inspector-finding', GeneratorId: 'AWSInspector' };
    const notEcr = {
      ...high,
      Id: `${high.Id}-ec2`,
      Resources: [{ Type: 'AwsEc2Instance', Id: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0abc` }],
    };

    const result = await invoke(actionEvent('835b2b99-0004', BLOCK, [medium, otherAccount, notOurs, notEcr]));

    expect(result.outcomes).toEqual([
      { status: 'skipped', findingId: medium.Id, reason: 'severity MEDIUM is below the threshold HIGH' },
      {
        status: 'skipped',
        findingId: otherAccount.Id,
        reason: `finding belongs to account 444455556666, not to this account ${ACCOUNT}`,
      },
      {
        status: 'skipped',
        findingId: 'inspector-finding',
        reason: expect.stringMatching(/^not a finding of ecr-compliance/),
      },
      {
        status: 'skipped',
        findingId: notEcr.Id,
        reason: expect.stringMatching(/^finding has no ECR image or repository/),
      },
    ]);
    expect(ecr).not.toHaveReceivedAnyCommand();
    expect(securityHub).not.toHaveReceivedAnyCommand();
    const refused = logs.lines().filter((line) => line.message === 'finding refused');
    expect(refused.map((line) => line.findingId)).toEqual([
      medium.Id,
      otherAccount.Id,
      'inspector-finding',
      notEcr.Id,
    ]);
    expect(refused.every((line) => line.level === 'WARN')).toBe(true);
  });

  it('keeps the exempt principals of its configuration out of the Deny', async () => {
    const exempt = `arn:aws:iam::${ACCOUNT}:role/breakglass`;
    const exempting = (
      await loadHandler<{ handler: Handler }>(HANDLER, environment({ EXEMPT_PRINCIPAL_ARNS: exempt }))
    ).handler;

    await exempting(actionEvent('835b2b99-0005', BLOCK, [high]), lambdaContext('on-custom-action'));

    expect(written()[0]?.policy.Statement).toEqual([
      { ...DENY_STATEMENT, Condition: { ArnNotLike: { 'aws:PrincipalArn': [exempt] } } },
    ]);
  });

  it('logs a failed audit trail and still succeeds', async () => {
    securityHub
      .on(BatchUpdateFindingsCommand)
      .rejects(sdkError(InvalidAccessException, 'Account is not subscribed to AWS Security Hub', 401));

    const result = await invoke(actionEvent('835b2b99-0006', BLOCK, [high]));

    expect(result.outcomes[0]).toMatchObject({
      status: 'blocked',
      changed: true,
      audit: { recorded: false, error: 'Account is not subscribed to AWS Security Hub' },
    });
    expect(ecr).toHaveReceivedCommandOnce(SetRepositoryPolicyCommand);
    expect(logs.lines().find((line) => line.message === 'audit trail not written')).toMatchObject({
      level: 'WARN',
      findingId: high.Id,
    });
    expect(dynamodb).toHaveReceivedCommandOnce(UpdateItemCommand);
  });
});

describe('on-custom-action: unreadable policy', () => {
  it('never overwrites a policy it cannot read, handles the other findings, then fails the invocation', async () => {
    ecr
      .on(GetRepositoryPolicyCommand, { repositoryName: REPOSITORY })
      .resolves({ policyText: '{"Version": "2012-10-17", "Statement": [' });
    ecr.on(GetRepositoryPolicyCommand, { repositoryName: OTHER_REPOSITORY }).rejects(noPolicy());

    const error = await invoke(actionEvent('835b2b99-0010', BLOCK, [high, otherHigh])).catch(
      (e: unknown) => e,
    );

    expect(error).toMatchObject({ name: 'FindingsNotHandledError' });
    expect((error as Error).message).toMatch(
      /^1 of 2 findings not handled: PolicyUnreadableError: existing repository policy is unreadable, refusing to change it: not valid JSON/,
    );
    expect(ecr).toHaveReceivedCommandTimes(GetRepositoryPolicyCommand, 2);
    expect(written().map((w) => w.repositoryName)).toEqual([OTHER_REPOSITORY]);
    expect(ecr).not.toHaveReceivedCommandWith(SetRepositoryPolicyCommand, { repositoryName: REPOSITORY });
    expect(ecr).not.toHaveReceivedCommand(DeleteRepositoryPolicyCommand);
    expect(logs.lines().find((line) => line.message === 'finding not handled')).toMatchObject({
      level: 'ERROR',
      findingId: high.Id,
      error: expect.objectContaining({ name: 'PolicyUnreadableError' }),
    });
    expect(logs.lines().find((line) => line.message === 'repository blocked')).toMatchObject({
      findingId: otherHigh.Id,
    });
    // The record is released so that a redelivery tries again; nothing is stored as done.
    expect(dynamodb).toHaveReceivedCommandOnce(DeleteItemCommand);
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it('does not delete an unreadable policy on unblock either', async () => {
    ecr.on(GetRepositoryPolicyCommand).resolves({ policyText: '"just a string"' });

    await expect(invoke(actionEvent('835b2b99-0011', UNBLOCK, [high]))).rejects.toMatchObject({
      name: 'FindingsNotHandledError',
    });
    expect(ecr).not.toHaveReceivedCommand(SetRepositoryPolicyCommand);
    expect(ecr).not.toHaveReceivedCommand(DeleteRepositoryPolicyCommand);
  });
});

describe('on-custom-action: unblock', () => {
  it('removes only the Deny statement and keeps the others', async () => {
    ecr.on(GetRepositoryPolicyCommand).resolves({ policyText: policy(LAMBDA_STATEMENT, DENY_STATEMENT) });

    const result = await invoke(actionEvent('835b2b99-0020', UNBLOCK, [medium]));

    expect(result.action).toBe('unblock');
    expect(result.outcomes[0]).toMatchObject({ status: 'unblocked', changed: true, policyDeleted: false });
    expect(written()).toEqual([
      {
        repositoryName: REPOSITORY,
        registryId: ACCOUNT,
        policy: { Version: '2012-10-17', Statement: [LAMBDA_STATEMENT] },
      },
    ]);
    expect(securityHub).toHaveReceivedCommandWith(BatchUpdateFindingsCommand, {
      Note: {
        Text: expect.stringMatching(new RegExp(`^Unblocked pulls: pulls allowed on .* by ${UNBLOCK}$`)),
        UpdatedBy: 'ecr-compliance',
      },
    });
  });

  it('deletes the policy when the Deny statement was its only one', async () => {
    ecr.on(GetRepositoryPolicyCommand).resolves({ policyText: policy(DENY_STATEMENT) });

    const result = await invoke(actionEvent('835b2b99-0021', UNBLOCK, [high]));

    expect(result.outcomes[0]).toMatchObject({ status: 'unblocked', changed: true, policyDeleted: true });
    expect(ecr).toHaveReceivedCommandExactlyOnceWith(DeleteRepositoryPolicyCommand, {
      registryId: ACCOUNT,
      repositoryName: REPOSITORY,
    });
    expect(ecr).not.toHaveReceivedCommand(SetRepositoryPolicyCommand);
  });

  it('writes nothing for a repository that is not blocked', async () => {
    const result = await invoke(actionEvent('835b2b99-0022', UNBLOCK, [high]));

    expect(result.outcomes[0]).toMatchObject({ status: 'unblocked', changed: false, policyDeleted: false });
    expect(ecr).not.toHaveReceivedCommand(SetRepositoryPolicyCommand);
    expect(ecr).not.toHaveReceivedCommand(DeleteRepositoryPolicyCommand);
  });
});

describe('on-custom-action: Amazon Inspector findings (enhanced scanning)', () => {
  const inspector = coreFixture('securityhub/inspector-finding.json');
  const inspectorOfOurAccount = {
    ...inspector,
    Id: inspector.Id.replace('111122223333', ACCOUNT),
    AwsAccountId: ACCOUNT,
    Resources: inspector.Resources.map((r: { Id: string }) => ({
      ...r,
      Id: r.Id.replace('111122223333', ACCOUNT),
    })),
  };

  it('blocks the repository of the image an Inspector finding names, and notes it on that finding', async () => {
    const result = await invoke(actionEvent('835b2b99-0050', BLOCK, [inspectorOfOurAccount]));

    expect(result.outcomes[0]).toMatchObject({
      status: 'blocked',
      changed: true,
      repositoryArn: repositoryArn(REPOSITORY),
    });
    expect(written()).toEqual([
      {
        repositoryName: REPOSITORY,
        registryId: ACCOUNT,
        policy: { Version: '2012-10-17', Statement: [DENY_STATEMENT] },
      },
    ]);
    expect(securityHub).toHaveReceivedCommandWith(BatchUpdateFindingsCommand, {
      FindingIdentifiers: [
        { Id: inspectorOfOurAccount.Id, ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector' },
      ],
    });
  });
});

describe('on-custom-action: what a click may act on', () => {
  it('refuses a finding whose Id is about one repository and whose resource is another, calling nothing', async () => {
    const forged = {
      ...high,
      Resources: [{ Type: 'AwsEcrContainerImage', Id: `${repositoryArn('prod/db')}/${digestOf(high)}` }],
    };

    const result = await invoke(actionEvent('835b2b99-0060', BLOCK, [forged]));

    expect(result.outcomes).toEqual([
      {
        status: 'skipped',
        findingId: high.Id,
        reason: `finding Id is about repository ${REPOSITORY}, but its resources name prod/db`,
      },
    ]);
    expect(ecr).not.toHaveReceivedAnyCommand();
    expect(securityHub).not.toHaveReceivedAnyCommand();
    expect(logs.lines().find((line) => line.message === 'finding refused')).toMatchObject({
      level: 'WARN',
      findingId: high.Id,
      reason: expect.stringContaining('prod/db'),
    });
  });

  it('refuses a finding of another product that claims our GeneratorId and Id', async () => {
    const foreign = {
      ...high,
      ProductArn: 'arn:aws:securityhub:us-east-1::product/aquasecurity/aquasecurity',
    };

    const result = await invoke(actionEvent('835b2b99-0061', UNBLOCK, [foreign]));

    expect(result.outcomes[0]).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(
        /^not a finding of ecr-compliance or Amazon Inspector \(ProductArn .*aquasecurity/,
      ),
    });
    expect(ecr).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['a/../b', 'a/../b'],
    ['a trailing slash', 'team-a/'],
    ['uppercase', 'Team-A/api'],
  ])(
    'refuses a repository name with %s without a call and without failing the invocation',
    async (_, name) => {
      const finding = JSON.parse(JSON.stringify(high).replaceAll(REPOSITORY, name));

      const result = await invoke(actionEvent(`835b2b99-0062-${name.length}`, BLOCK, [finding]));

      expect(result.outcomes[0]).toMatchObject({
        status: 'skipped',
        reason: expect.stringContaining(
          `names ${JSON.stringify(name)}, which is not a valid ECR repository name`,
        ),
      });
      expect(ecr).not.toHaveReceivedAnyCommand();
      expect(logs.lines().filter((line) => line.level === 'ERROR')).toEqual([]);
      expect(dynamodb).toHaveReceivedCommandOnce(UpdateItemCommand);
    },
  );

  it('does nothing for an event that names both the block and the unblock action', async () => {
    const both = { ...actionEvent('835b2b99-0063', BLOCK, [high]), resources: [BLOCK, UNBLOCK] };

    const result = await invoke(both);

    expect(result).toEqual({
      action: 'none',
      reason: 'the event names both the block and the unblock action',
      outcomes: [],
    });
    expect(ecr).not.toHaveReceivedAnyCommand();
  });

  it('logs each finding of a failed invocation once, in order, before failing it', async () => {
    ecr
      .on(GetRepositoryPolicyCommand, { repositoryName: REPOSITORY })
      .resolves({ policyText: '{"Version": "2012-10-17", "Statement": [' });
    ecr.on(GetRepositoryPolicyCommand, { repositoryName: OTHER_REPOSITORY }).rejects(noPolicy());

    await expect(
      invoke(actionEvent('835b2b99-0064', BLOCK, [medium, high, otherHigh])),
    ).rejects.toMatchObject({
      name: 'FindingsNotHandledError',
      message: expect.stringMatching(/^1 of 3 findings not handled: PolicyUnreadableError/),
    });

    const perFinding = logs
      .lines()
      .filter((line) =>
        ['finding refused', 'finding not handled', 'repository blocked'].includes(String(line.message)),
      )
      .map((line) => [line.message, line.findingId]);
    expect(perFinding).toEqual([
      ['finding refused', medium.Id],
      ['finding not handled', high.Id],
      ['repository blocked', otherHigh.Id],
    ]);
    // The last log line; the metrics' EMF line (no level) follows it.
    expect(
      logs
        .lines()
        .filter((line) => 'level' in line)
        .at(-1),
    ).toMatchObject({
      level: 'ERROR',
      message: 'custom action failed',
    });
  });
});

describe('on-custom-action: other actions and bad input', () => {
  it('does nothing for an event of another custom action, and says so', async () => {
    const other = `arn:aws:securityhub:us-east-1:${ACCOUNT}:action/custom/SendToJira`;

    const result = await invoke(actionEvent('835b2b99-0030', other, [high]));

    expect(result).toEqual({
      action: 'none',
      reason: 'the event is for another custom action',
      outcomes: [],
    });
    expect(ecr).not.toHaveReceivedAnyCommand();
    expect(securityHub).not.toHaveReceivedAnyCommand();
    expect(
      logs.lines().find((line) => line.message === 'nothing done: the event is for another custom action'),
    ).toMatchObject({
      level: 'WARN',
      resources: [other],
    });
  });

  it('rejects a malformed event with a validation error, calling nothing', async () => {
    const bad = { ...actionEvent('835b2b99-0031', BLOCK, [high]), detail: { findings: [] } };

    await expect(invoke(bad)).rejects.toMatchObject({ name: 'InvalidInputError', path: 'detail.findings' });
    expect(ecr).not.toHaveReceivedAnyCommand();
    expect(securityHub).not.toHaveReceivedAnyCommand();
    expect(dynamodb).not.toHaveReceivedAnyCommand();
  });
});

describe('on-custom-action: idempotent replay', () => {
  it('returns the stored result of a redelivered event without reading or writing the policy again', async () => {
    ecr.on(GetRepositoryPolicyCommand).resolves({ policyText: policy(LAMBDA_STATEMENT) });
    const event = actionEvent('835b2b99-0040', BLOCK, [high]);
    const first = await invoke(event);
    expect(ecr).toHaveReceivedCommandOnce(SetRepositoryPolicyCommand);
    const record = storedRecord(dynamodb);
    ecr.resetHistory();
    securityHub.resetHistory();
    dynamodb.reset();
    dynamodb.on(PutItemCommand).rejects(recordExists(record));

    const replay = await invoke(event, 'redelivery');

    expect(replay).toEqual(first);
    expect(replay.outcomes[0]).toMatchObject({ status: 'blocked', changed: true });
    expect(ecr).not.toHaveReceivedAnyCommand();
    expect(securityHub).not.toHaveReceivedAnyCommand();
    expect(dynamodb).toHaveReceivedCommandOnce(PutItemCommand);
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
  });
});

describe('on-custom-action cold start', () => {
  it.each(['BLOCK_ACTION_ARN', 'UNBLOCK_ACTION_ARN', 'IDEMPOTENCY_TABLE_NAME'])(
    'fails the module load with a ConfigurationError naming %s when it is missing',
    async (name) => {
      const { [name]: _missing, ...env } = environment();
      vi.stubEnv(name, undefined);

      await expect(loadHandler(HANDLER, env)).rejects.toMatchObject({
        name: 'ConfigurationError',
        message: `invalid configuration of on-custom-action: ${name} is required`,
      });
    },
  );

  it('fails the module load when both action ARNs are the same', async () => {
    await expect(loadHandler(HANDLER, environment({ UNBLOCK_ACTION_ARN: BLOCK }))).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining('BLOCK_ACTION_ARN and UNBLOCK_ACTION_ARN must differ'),
    });
  });

  it('fails the module load on an invalid SEVERITY_THRESHOLD', async () => {
    await expect(loadHandler(HANDLER, environment({ SEVERITY_THRESHOLD: 'URGENT' }))).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining('SEVERITY_THRESHOLD'),
    });
  });
});
