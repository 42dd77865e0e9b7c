import {
  type AsffFinding,
  BLOCK_STATEMENT_SID,
  blockPolicy,
  blockRepository,
  changeRepositoryPolicy,
  decideImageAction,
  PolicyUnreadableError,
  toAsffFindings,
  unblockRepository,
} from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { describe, expect, it } from 'vitest';
import { InMemoryAudit, InMemoryPolicies } from './support/fakes.js';
import { asStoredBySecurityHub, clone, example, fixture } from './support/fixtures.js';

const account = '111122223333';
const context = {
  actor: 'arn:aws:securityhub:us-east-1:111122223333:action/custom/ECR1',
  now: '2026-11-20T11:02:41.000Z',
};
const page = fixture('ecr/basic-page.json');
const scanned = scannedImageFromEcr(page, { region: 'us-east-1' });
const [highFinding, mediumFinding, imageFinding] = toAsffFindings(scanned).map(
  asStoredBySecurityHub,
) as Array<AsffFinding & Record<string, unknown>>;

describe('blockRepository', () => {
  const foreign = example<{ policyText: string }>('get-repository-policy.json').policyText;

  it('blocks the repository of a HIGH finding, keeping the existing statements, and records it', async () => {
    const policies = new InMemoryPolicies(foreign);
    const audit = new InMemoryAudit();
    const outcome = await blockRepository({ policies, audit }, highFinding, { accountId: account }, context);
    expect(outcome).toMatchObject({
      status: 'blocked',
      changed: true,
      repository: { accountId: account, region: 'us-east-1', repositoryName: 'team-a/payments-api' },
      repositoryArn: 'arn:aws:ecr:us-east-1:111122223333:repository/team-a/payments-api',
      audit: { recorded: true },
    });
    const doc = JSON.parse(policies.text ?? '');
    expect(doc.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      'LambdaECRImageRetrievalPolicy',
      'AllowCiPush',
      BLOCK_STATEMENT_SID,
    ]);
    expect(audit.entries).toEqual([
      {
        id: highFinding?.Id,
        productArn: highFinding?.ProductArn,
        entry: {
          action: 'block',
          outcome: 'pulls denied',
          repositoryArn: 'arn:aws:ecr:us-east-1:111122223333:repository/team-a/payments-api',
          at: context.now,
          by: context.actor,
        },
      },
    ]);
  });

  it('blocks from the image-level finding through its repository resource', async () => {
    const policies = new InMemoryPolicies();
    const outcome = await blockRepository({ policies }, imageFinding, { accountId: account }, context);
    expect(outcome.status).toBe('blocked');
    expect(policies.writes).toEqual(['set']);
  });

  it('writes nothing when the repository is already blocked', async () => {
    const policies = new InMemoryPolicies();
    await blockRepository({ policies }, highFinding, { accountId: account }, context);
    const again = await blockRepository({ policies }, highFinding, { accountId: account }, context);
    expect(again).toMatchObject({ status: 'blocked', changed: false });
    expect(policies.writes).toEqual(['set']);
  });

  it('adds exempt principals to the deny', async () => {
    const policies = new InMemoryPolicies();
    await blockRepository(
      { policies },
      highFinding,
      { accountId: account, exemptPrincipalArns: ['arn:aws:iam::111122223333:role/breakglass'] },
      context,
    );
    expect(JSON.parse(policies.text ?? '').Statement[0].Condition).toEqual({
      ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::111122223333:role/breakglass'] },
    });
  });

  it('skips a finding below the threshold, with the reason', async () => {
    const policies = new InMemoryPolicies();
    const outcome = await blockRepository({ policies }, mediumFinding, { accountId: account }, context);
    expect(outcome).toEqual({
      status: 'skipped',
      findingId: mediumFinding?.Id,
      reason: 'severity MEDIUM is below the threshold HIGH',
    });
    expect(policies.writes).toEqual([]);
    const lower = await blockRepository(
      { policies },
      mediumFinding,
      { accountId: account, severityThreshold: 'MEDIUM' },
      context,
    );
    expect(lower.status).toBe('blocked');
  });

  it('follows the severity a person set over the provider one', async () => {
    const triaged = { ...clone(highFinding), Severity: { Label: 'LOW', Original: 'HIGH' } };
    const outcome = await blockRepository(
      { policies: new InMemoryPolicies() },
      triaged,
      { accountId: account },
      context,
    );
    expect(outcome).toMatchObject({ status: 'skipped', reason: 'severity LOW is below the threshold HIGH' });
  });

  it.each([
    [
      'a finding of another product',
      { ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty' },
      /not a finding of ecr-compliance or Amazon Inspector/,
    ],
    [
      'a finding of another generator',
      { GeneratorId: 'someone-else/scanner' },
      /not a finding of ecr-compliance/,
    ],
    ['a finding whose Id is not ours', { Id: 'forged/finding' }, /not a finding of ecr-compliance/],
    ['a finding of another account', { AwsAccountId: '444455556666' }, /belongs to account 444455556666/],
    [
      'a non-ECR resource',
      { Resources: [{ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::bucket' }] },
      /no ECR image or repository resource/,
    ],
    [
      'an ECR resource of another account',
      {
        Resources: [
          {
            Type: 'AwsEcrContainerImage',
            Id: `arn:aws:ecr:us-east-1:444455556666:repository/x/sha256:${'a'.repeat(64)}`,
          },
        ],
      },
      /in account 444455556666/,
    ],
    [
      'a repository in another region',
      { Resources: [{ Type: 'AwsEcrRepository', Id: 'arn:aws:ecr:eu-west-1:111122223333:repository/x' }] },
      /in region eu-west-1, not in this region us-east-1/,
    ],
    ['an archived finding', { RecordState: 'ARCHIVED' }, /archived/],
    ['a malformed finding', { Resources: 'nope' }, /^invalid finding: Resources: /],
  ])('refuses %s', async (_, patch, reason) => {
    const policies = new InMemoryPolicies();
    const outcome = await blockRepository(
      { policies },
      { ...clone(highFinding), ...patch },
      { accountId: account, region: 'us-east-1' },
      context,
    );
    expect(outcome.status).toBe('skipped');
    expect(outcome.status === 'skipped' && outcome.reason).toMatch(reason);
    expect(policies.writes).toEqual([]);
  });

  it('never overwrites a policy it could not read', async () => {
    const policies = new InMemoryPolicies('{"Statement": [');
    await expect(blockRepository({ policies }, highFinding, { accountId: account }, context)).rejects.toThrow(
      PolicyUnreadableError,
    );
    expect(policies.writes).toEqual([]);
    expect(policies.text).toBe('{"Statement": [');
  });

  it('still blocks when the audit trail fails, and says so', async () => {
    const policies = new InMemoryPolicies();
    const outcome = await blockRepository(
      { policies, audit: new InMemoryAudit(true) },
      highFinding,
      { accountId: account },
      context,
    );
    expect(outcome).toMatchObject({
      status: 'blocked',
      audit: { recorded: false, error: 'BatchUpdateFindings is down' },
    });
    expect(policies.writes).toEqual(['set']);
  });
});

describe('unblockRepository', () => {
  const foreign = example<{ policyText: string }>('get-repository-policy.json').policyText;

  it('restores the policy that was there before blocking', async () => {
    const policies = new InMemoryPolicies(foreign);
    await blockRepository({ policies }, highFinding, { accountId: account }, context);
    const audit = new InMemoryAudit();
    const outcome = await unblockRepository(
      { policies, audit },
      highFinding,
      { accountId: account },
      context,
    );
    expect(outcome).toMatchObject({ status: 'unblocked', changed: true, policyDeleted: false });
    expect(JSON.parse(policies.text ?? '')).toEqual(JSON.parse(foreign));
    expect(audit.entries[0]?.entry.outcome).toBe('pulls allowed');
  });

  it('deletes the policy when ours was its only statement', async () => {
    const policies = new InMemoryPolicies();
    await blockRepository({ policies }, highFinding, { accountId: account }, context);
    const outcome = await unblockRepository({ policies }, highFinding, { accountId: account }, context);
    expect(outcome).toMatchObject({ status: 'unblocked', changed: true, policyDeleted: true });
    expect(policies.writes).toEqual(['set', 'delete']);
    expect(policies.text).toBeNull();
  });

  it('works for any severity and writes nothing when not blocked', async () => {
    const policies = new InMemoryPolicies(foreign);
    const outcome = await unblockRepository({ policies }, mediumFinding, { accountId: account }, context);
    expect(outcome).toMatchObject({ status: 'unblocked', changed: false });
    expect(policies.writes).toEqual([]);
  });

  it('refuses findings of other accounts', async () => {
    const outcome = await unblockRepository(
      { policies: new InMemoryPolicies() },
      { ...clone(highFinding), AwsAccountId: '444455556666' },
      { accountId: account },
      context,
    );
    expect(outcome.status).toBe('skipped');
  });
});

describe('changeRepositoryPolicy', () => {
  const repository = { accountId: account, region: 'us-east-1', repositoryName: 'team-a/payments-api' };
  const foreign = example<{ policyText: string }>('get-repository-policy.json').policyText;

  it('writes nothing on a dry run but reports the policy before and after', async () => {
    const policies = new InMemoryPolicies(foreign);
    const change = await changeRepositoryPolicy(policies, repository, 'block', { dryRun: true });
    expect(change).toMatchObject({ changed: true, before: foreign, deleted: false });
    expect(change.after?.Statement.at(-1)?.Sid).toBe(BLOCK_STATEMENT_SID);
    expect(policies.writes).toEqual([]);
  });

  it('reports a deletion on a dry run of the last statement', async () => {
    const policies = new InMemoryPolicies(blockPolicy(null).policyText);
    const change = await changeRepositoryPolicy(policies, repository, 'unblock', { dryRun: true });
    expect(change).toMatchObject({ changed: true, after: null, deleted: true });
    expect(policies.writes).toEqual([]);
  });
});

describe('blockRepository as automatic remediation', () => {
  const automatic = { ...context, actor: 'ecr-compliance automatic remediation', automatic: true };

  it('blocks and records the change once, then writes no note for an unchanged policy', async () => {
    const policies = new InMemoryPolicies();
    const audit = new InMemoryAudit();
    const first = await blockRepository({ policies, audit }, imageFinding, { accountId: account }, automatic);
    expect(first).toMatchObject({ status: 'blocked', changed: true, audit: { recorded: true } });
    const again = await blockRepository({ policies, audit }, imageFinding, { accountId: account }, automatic);
    expect(again).toMatchObject({
      status: 'blocked',
      changed: false,
      audit: { recorded: false, skipped: 'automatic remediation records changes only' },
    });
    expect(audit.entries).toHaveLength(1);
  });

  it('leaves a finding that a person suppressed alone', async () => {
    const policies = new InMemoryPolicies();
    const suppressed = { ...clone(imageFinding), Workflow: { Status: 'SUPPRESSED' } };
    const outcome = await blockRepository({ policies }, suppressed, { accountId: account }, automatic);
    expect(outcome).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/suppressed/) });
    expect(policies.writes).toEqual([]);
    const byPerson = await blockRepository({ policies }, suppressed, { accountId: account }, context);
    expect(byPerson.status).toBe('blocked');
  });
});

describe('decideImageAction', () => {
  const image = {
    accountId: account,
    region: 'us-east-1',
    repositoryName: 'team-a/payments-api',
    imageDigest: scanned.imageDigest,
  };

  it('archives the findings of an image whose deletion succeeded', () => {
    expect(decideImageAction({ image, actionType: 'DELETE', result: 'SUCCESS' })).toEqual({
      archive: true,
      image,
    });
  });

  it.each([
    ['PUSH', 'SUCCESS'],
    ['DELETE', 'FAILURE'],
    ['delete', 'success'],
  ])('archives nothing for %s with result %s, and says why', (actionType, result) => {
    expect(decideImageAction({ image, actionType, result })).toEqual({
      archive: false,
      result: {
        outcome: 'skipped',
        repositoryName: image.repositoryName,
        imageDigest: image.imageDigest,
        reason: `action ${actionType} with result ${result}: only a successful DELETE archives findings`,
      },
    });
  });
});
