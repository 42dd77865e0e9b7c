import {
  type AsffFinding,
  actOnFindings,
  BLOCK_STATEMENT_SID,
  chooseCustomAction,
  FindingsNotHandledError,
  handleCustomAction,
  toAsffFindings,
} from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { describe, expect, it } from 'vitest';
import { InMemoryAudit, InMemoryRegistry } from './support/fakes.js';
import { asStoredBySecurityHub, clone, fixture } from './support/fixtures.js';

const account = '111122223333';
const BLOCK = `arn:aws:securityhub:us-east-1:${account}:action/custom/BlockEcrPull`;
const UNBLOCK = `arn:aws:securityhub:us-east-1:${account}:action/custom/UnblockEcrPull`;
const NOW = '2026-11-20T11:02:41.000Z';
const config = { accountId: account, region: 'us-east-1', blockActionArn: BLOCK, unblockActionArn: UNBLOCK };
const page = fixture<Record<string, unknown>>('ecr/basic-page.json');
const inspector = fixture<Record<string, unknown>>('securityhub/inspector-finding.json');

/** Our findings of one image of `repositoryName`, as Security Hub stores them: [HIGH, MEDIUM, image]. */
function findingsOf(repositoryName: string) {
  const scanned = scannedImageFromEcr({ ...page, repositoryName }, { region: 'us-east-1' });
  return toAsffFindings(scanned).map(asStoredBySecurityHub) as Array<AsffFinding & Record<string, unknown>>;
}
const [high, medium, image] = findingsOf('team-a/payments-api') as [
  AsffFinding & Record<string, unknown>,
  AsffFinding & Record<string, unknown>,
  AsffFinding & Record<string, unknown>,
];
const [otherHigh] = findingsOf('team-b/web') as [AsffFinding & Record<string, unknown>];
const click = (actionArn: string, findings: unknown[]) => ({ actionArns: [actionArn], findings, now: NOW });
const statementsOf = (registry: InMemoryRegistry, name: string) =>
  JSON.parse(registry.policies.get(name) ?? '{"Statement":[]}').Statement.map((s: { Sid?: string }) => s.Sid);

describe('chooseCustomAction', () => {
  it('chooses block or unblock from the action ARN in the event, with that ARN as the actor', () => {
    expect(chooseCustomAction([BLOCK], config)).toEqual({ action: 'block', actor: BLOCK });
    expect(chooseCustomAction([UNBLOCK], config)).toEqual({ action: 'unblock', actor: UNBLOCK });
  });

  it('chooses nothing for another custom action, or for an event that names both of ours', () => {
    const jira = `arn:aws:securityhub:us-east-1:${account}:action/custom/SendToJira`;
    expect(chooseCustomAction([jira], config)).toEqual({
      action: 'none',
      reason: 'the event is for another custom action',
    });
    expect(chooseCustomAction([UNBLOCK, BLOCK], config)).toEqual({
      action: 'none',
      reason: 'the event names both the block and the unblock action',
    });
  });
});

describe('handleCustomAction', () => {
  it('blocks the repository of each finding, in order, and records who clicked and when', async () => {
    const registry = new InMemoryRegistry();
    const audit = new InMemoryAudit();

    const result = await handleCustomAction(
      { policies: registry, audit },
      click(BLOCK, [high, otherHigh]),
      config,
    );

    expect(result).toMatchObject({
      action: 'block',
      outcomes: [
        { status: 'blocked', findingId: high.Id, changed: true },
        { status: 'blocked', findingId: otherHigh.Id, changed: true },
      ],
    });
    expect(registry.writes).toEqual([
      { repositoryName: 'team-a/payments-api', op: 'set' },
      { repositoryName: 'team-b/web', op: 'set' },
    ]);
    expect(audit.entries.map((e) => [e.id, e.entry.by, e.entry.at])).toEqual([
      [high.Id, BLOCK, NOW],
      [otherHigh.Id, BLOCK, NOW],
    ]);
  });

  it('handles findings of one repository one after the other, so they never race on its policy', async () => {
    const registry = new InMemoryRegistry();

    const result = await handleCustomAction(
      { policies: registry },
      click(BLOCK, [high, image, high]),
      config,
    );

    expect(result.outcomes.map((o) => o.status === 'blocked' && o.changed)).toEqual([true, false, false]);
    expect(registry.maxInFlight).toBe(1);
    expect(registry.writes).toEqual([{ repositoryName: 'team-a/payments-api', op: 'set' }]);
    expect(statementsOf(registry, 'team-a/payments-api')).toEqual([BLOCK_STATEMENT_SID]);
  });

  it('unblocks with the unblock action, whatever the severity', async () => {
    const registry = new InMemoryRegistry();
    await handleCustomAction({ policies: registry }, click(BLOCK, [high]), config);

    const result = await handleCustomAction({ policies: registry }, click(UNBLOCK, [medium]), config);

    expect(result).toMatchObject({
      action: 'unblock',
      outcomes: [{ status: 'unblocked', changed: true, policyDeleted: true }],
    });
    expect(registry.policies.has('team-a/payments-api')).toBe(false);
  });

  it('does nothing, and calls no port, for another custom action', async () => {
    const registry = new InMemoryRegistry();
    const jira = `arn:aws:securityhub:us-east-1:${account}:action/custom/SendToJira`;

    const result = await handleCustomAction({ policies: registry }, click(jira, [high]), config);

    expect(result).toEqual({
      action: 'none',
      reason: 'the event is for another custom action',
      outcomes: [],
    });
    expect(registry.reads).toEqual([]);
  });

  it('refuses findings of other products, forged mismatches and invalid names as skipped outcomes, not errors', async () => {
    const registry = new InMemoryRegistry();
    const guardDuty = { ...clone(high), ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty' };
    const ciTool = { ...clone(high), GeneratorId: 'ci-pipeline/trivy', Id: 'ci-pipeline/finding-1' };
    const mismatch = {
      ...clone(high),
      Resources: [{ Type: 'AwsEcrRepository', Id: `arn:aws:ecr:us-east-1:${account}:repository/prod/db` }],
    };
    const dotted = JSON.parse(JSON.stringify(high).replaceAll('team-a/payments-api', 'a/../b'));

    const result = await handleCustomAction(
      { policies: registry },
      click(BLOCK, [guardDuty, ciTool, mismatch, dotted, otherHigh]),
      config,
    );

    expect(result.outcomes.map((o) => (o.status === 'skipped' ? o.reason : o.status))).toEqual([
      expect.stringMatching(/^not a finding of ecr-compliance or Amazon Inspector \(ProductArn .*guardduty/),
      expect.stringMatching(
        /^not a finding of ecr-compliance or Amazon Inspector .*GeneratorId ci-pipeline\/trivy/,
      ),
      'finding Id is about repository team-a/payments-api, but its resources name prod/db',
      expect.stringMatching(/names "a\/\.\.\/b", which is not a valid ECR repository name$/),
      'blocked',
    ]);
    expect(registry.reads).toEqual(['team-b/web']);
    expect(registry.writes).toEqual([{ repositoryName: 'team-b/web', op: 'set' }]);
  });

  it("acts on Amazon Inspector's own finding of an image", async () => {
    const registry = new InMemoryRegistry();

    const result = await handleCustomAction({ policies: registry }, click(BLOCK, [inspector]), config);

    expect(result.outcomes[0]).toMatchObject({ status: 'blocked', findingId: inspector.Id });
    expect(registry.writes).toEqual([{ repositoryName: 'team-a/payments-api', op: 'set' }]);
  });

  it('handles the other findings when one fails, then throws one error that lists the failure', async () => {
    const registry = new InMemoryRegistry();
    registry.policies.set('team-a/payments-api', '{"Statement": [');

    const error = await handleCustomAction(
      { policies: registry },
      click(BLOCK, [high, medium, otherHigh]),
      config,
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FindingsNotHandledError);
    const failed = error as FindingsNotHandledError;
    expect(failed.message).toMatch(
      /^1 of 3 findings not handled: PolicyUnreadableError: existing repository policy is unreadable/,
    );
    expect(failed.outcomes.map((o) => (o as { status: string }).status)).toEqual([
      'failed',
      'skipped',
      'blocked',
    ]);
    expect(failed.failed).toEqual([
      expect.objectContaining({ status: 'failed', findingId: high.Id, cause: expect.any(Error) }),
    ]);
    expect(registry.policies.get('team-a/payments-api')).toBe('{"Statement": [');
    expect(registry.writes).toEqual([{ repositoryName: 'team-b/web', op: 'set' }]);
  });

  it('reports each outcome as soon as it is known, failures included, before it throws', async () => {
    const registry = new InMemoryRegistry();
    registry.policies.set('team-b/web', '"not a policy"');
    const heard: Array<[string, number]> = [];

    const error = await handleCustomAction(
      { policies: registry },
      click(BLOCK, [high, otherHigh, medium]),
      config,
      (outcome) => heard.push([outcome.status, registry.reads.length]),
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FindingsNotHandledError);
    expect(heard).toEqual([
      ['blocked', 1],
      ['failed', 2],
      ['skipped', 2],
    ]);
  });

  it('skips, and does not fail, for a repository deleted since its finding was imported', async () => {
    const registry = new InMemoryRegistry({ missing: ['team-a/payments-api'] });

    const result = await handleCustomAction({ policies: registry }, click(UNBLOCK, [high]), config);

    expect(result.outcomes).toEqual([
      {
        status: 'skipped',
        findingId: high.Id,
        reason: 'the repository no longer exists (repository team-a/payments-api not found)',
      },
    ]);
  });
});

describe('actOnFindings', () => {
  it('returns every outcome in order when nothing failed, and reports each one', async () => {
    const heard: unknown[] = [];
    expect(
      await actOnFindings(
        [1, 2, 3],
        async (n) => Number(n) * 2,
        (o) => heard.push(o),
      ),
    ).toEqual([2, 4, 6]);
    expect(heard).toEqual([2, 4, 6]);
  });

  it('names a finding without an Id as null in the failure, and keeps non-Error throws as text', async () => {
    const error = (await actOnFindings([{ Id: 'a' }, 'not a finding'], async (finding) => {
      if (typeof finding === 'string') throw 'boom';
      return 'ok';
    }).catch((e: unknown) => e)) as FindingsNotHandledError;

    expect(error.name).toBe('FindingsNotHandledError');
    expect(error.message).toBe('1 of 2 findings not handled: boom');
    expect(error.outcomes).toEqual([
      'ok',
      { status: 'failed', findingId: null, error: 'boom', cause: 'boom' },
    ]);
  });
});
