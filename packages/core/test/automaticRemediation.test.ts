import {
  type AsffFinding,
  type AuditEntry,
  type AuditTrail,
  BLOCK_STATEMENT_SID,
  blockPolicy,
  blockRepository,
  PolicyUnreadableError,
  type RepositoryFindings,
  type RepositoryIdentity,
  type RepositoryPolicyStore,
  type RepositoryReference,
  releaseRepository,
  remediateAutomatically,
  type StoredFinding,
  scannedImageFromEcr,
  toAsffFindings,
  unblockRepository,
} from '@ecr-compliance/core';
import { describe, expect, it } from 'vitest';
import { asStoredBySecurityHub, clone, fixture } from './support/fixtures.js';

const account = '111122223333';
const context = { actor: 'ecr-compliance automatic remediation', now: '2026-11-21T08:00:00.000Z' };
const repositoryArn = 'arn:aws:ecr:us-east-1:111122223333:repository/team-a/payments-api';
const scanned = scannedImageFromEcr(fixture('ecr/basic-page.json'), { region: 'us-east-1' });
const findings = toAsffFindings(scanned).map(asStoredBySecurityHub) as Array<
  AsffFinding & Record<string, unknown>
>;
/** The image finding of the example scan: HIGH, active, naming the image and its repository. */
const imageFinding = findings.find((f) => f.GeneratorId.endsWith('/image')) as AsffFinding &
  Record<string, unknown>;
const inspectorFinding = fixture<Record<string, unknown>>('securityhub/inspector-finding.json');

const foreign = {
  Sid: 'AllowCiPush',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111122223333:role/ci' },
  Action: ['ecr:PutImage'],
};
const foreignPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [foreign] });
const blockedPolicy = () => blockPolicy(foreignPolicy).policyText as string;

class InMemoryPolicies implements RepositoryPolicyStore {
  readonly writes: string[] = [];
  reads = 0;
  constructor(public text: string | null = null) {}
  async get(_: RepositoryReference) {
    this.reads += 1;
    return this.text;
  }
  async set(_: RepositoryReference, policyText: string) {
    this.writes.push('set');
    this.text = policyText;
  }
  async delete(_: RepositoryReference) {
    this.writes.push('delete');
    this.text = null;
  }
}

class InMemoryAudit implements AuditTrail {
  readonly entries: Array<{ id: string; productArn: string; entry: AuditEntry }> = [];
  async record(finding: { id: string; productArn: string }, entry: AuditEntry) {
    this.entries.push({ id: finding.id, productArn: finding.productArn, entry });
  }
}

class InMemoryRepositoryFindings implements RepositoryFindings {
  readonly asked: Array<{ repository: RepositoryIdentity; atOrAbove: string }> = [];
  constructor(private readonly stored: readonly StoredFinding[]) {}
  async activeFindingsOfRepository(repository: RepositoryIdentity, options: { atOrAbove: string }) {
    this.asked.push({ repository, atOrAbove: options.atOrAbove });
    return this.stored;
  }
}

/** Another image finding of the same repository (another digest), with the given state. */
function otherImageFinding(patch: Record<string, unknown>): StoredFinding {
  return {
    ...clone(imageFinding),
    Id: `${imageFinding.Id.replace(/sha256:[a-f0-9]+/, `sha256:${'b'.repeat(64)}`)}`,
    ...patch,
  } as StoredFinding;
}

const archived = { ...clone(imageFinding), RecordState: 'ARCHIVED', UpdatedAt: '2026-11-21T07:59:00.000Z' };
const belowThreshold = {
  ...clone(imageFinding),
  Severity: { Label: 'LOW', Normalized: 1 },
  FindingProviderFields: { Severity: { Label: 'LOW', Original: 'LOW' } },
};
const config = { accountId: account, region: 'us-east-1', block: true, unblock: true } as const;

describe('blocking from Amazon Inspector findings (enhanced scanning)', () => {
  it("blocks the repository of the image Inspector's finding names, and notes it on that finding", async () => {
    const policies = new InMemoryPolicies(foreignPolicy);
    const audit = new InMemoryAudit();
    const outcome = await blockRepository(
      { policies, audit },
      inspectorFinding,
      { accountId: account },
      context,
    );
    expect(outcome).toMatchObject({
      status: 'blocked',
      findingId: inspectorFinding.Id,
      repository: { registryId: account, region: 'us-east-1', repositoryName: 'team-a/payments-api' },
      repositoryArn,
      changed: true,
    });
    const statements = JSON.parse(policies.text ?? '').Statement;
    expect(statements[0]).toEqual(foreign);
    expect(statements[1].Sid).toBe(BLOCK_STATEMENT_SID);
    expect(audit.entries).toEqual([
      {
        id: inspectorFinding.Id,
        productArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector',
        entry: expect.objectContaining({ action: 'block', outcome: 'pulls denied' }),
      },
    ]);
  });

  it('unblocks from an Inspector finding as well', async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const outcome = await unblockRepository({ policies }, inspectorFinding, { accountId: account }, context);
    expect(outcome).toMatchObject({ status: 'unblocked', changed: true });
    expect(JSON.parse(policies.text ?? '').Statement).toEqual([foreign]);
  });

  it.each([
    ['below the threshold', { Severity: { Label: 'MEDIUM', Normalized: 40 } }, /MEDIUM is below/],
    ['of another account', { AwsAccountId: '444455556666' }, /belongs to account 444455556666/],
    [
      'of a product only named like Inspector',
      { ProductArn: 'arn:aws:securityhub:us-east-1:444455556666:product/aws/inspector' },
      /not a finding of ecr-compliance or Amazon Inspector/,
    ],
  ])('refuses an Inspector finding %s', async (_, patch, reason) => {
    const policies = new InMemoryPolicies();
    const outcome = await blockRepository(
      { policies },
      { ...clone(inspectorFinding), ...patch },
      { accountId: account },
      context,
    );
    expect(outcome.status === 'skipped' && outcome.reason).toMatch(reason);
    expect(policies.writes).toEqual([]);
  });
});

describe('remediateAutomatically', () => {
  it('blocks for an active image finding at or above the threshold when automatic blocking is on', async () => {
    const policies = new InMemoryPolicies();
    const outcome = await remediateAutomatically({ policies }, imageFinding, config, context);
    expect(outcome).toMatchObject({ status: 'blocked', changed: true });
  });

  it('leaves such a finding alone when automatic blocking is off', async () => {
    const policies = new InMemoryPolicies();
    const outcome = await remediateAutomatically(
      { policies },
      imageFinding,
      { ...config, block: false },
      context,
    );
    expect(outcome).toEqual({
      status: 'skipped',
      findingId: imageFinding.Id,
      reason: 'automatic blocking is off',
    });
    expect(policies.reads).toBe(0);
  });

  it('does not unblock while automatic unblock is off (the default of the construct)', async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const outcome = await remediateAutomatically(
      { policies },
      archived,
      { ...config, unblock: false },
      context,
    );
    expect(outcome.status === 'skipped' && outcome.reason).toMatch(/automatic unblock is off/);
    expect(policies.reads).toBe(0);
  });

  it('refuses a finding it cannot check, before reading anything', async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const outcome = await remediateAutomatically({ policies }, { Id: 'x' }, config, context);
    expect(outcome.status === 'skipped' && outcome.reason).toMatch(/^invalid finding/);
    expect(policies.reads).toBe(0);
  });

  it('does not guess for a finding without any severity', async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const { Severity: _, FindingProviderFields: __, ...noSeverity } = clone(imageFinding);
    const outcome = await remediateAutomatically({ policies }, noSeverity, config, context);
    expect(outcome).toMatchObject({ status: 'skipped', reason: 'the finding has no severity' });
    expect(policies.writes).toEqual([]);
  });

  it.each([
    ['archived (image deleted or fixed)', archived],
    ['below the threshold after a re-scan', belowThreshold],
    ['suppressed by a person', { ...clone(imageFinding), Workflow: { Status: 'SUPPRESSED' } }],
  ])('releases the repository for a finding %s when nothing else holds it', async (_, finding) => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const audit = new InMemoryAudit();
    const store = new InMemoryRepositoryFindings([]);
    const outcome = await remediateAutomatically(
      { policies, audit, findings: store },
      finding,
      config,
      context,
    );
    expect(outcome).toMatchObject({ status: 'unblocked', changed: true, policyDeleted: false });
    expect(JSON.parse(policies.text ?? '').Statement).toEqual([foreign]);
    expect(store.asked).toEqual([
      {
        repository: { accountId: account, region: 'us-east-1', repositoryName: 'team-a/payments-api' },
        atOrAbove: 'HIGH',
      },
    ]);
  });
});

describe('releaseRepository (automatic unblock)', () => {
  it('removes only our statement and says why on the audit trail', async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const audit = new InMemoryAudit();
    const store = new InMemoryRepositoryFindings([
      otherImageFinding({ Severity: { Label: 'MEDIUM' } }),
      otherImageFinding({ RecordState: 'ARCHIVED' }),
      otherImageFinding({ Workflow: { Status: 'SUPPRESSED' } }),
    ]);
    const outcome = await releaseRepository({ policies, audit, findings: store }, archived, config, context);
    expect(outcome).toEqual({
      status: 'unblocked',
      findingId: imageFinding.Id,
      repository: { registryId: account, region: 'us-east-1', repositoryName: 'team-a/payments-api' },
      repositoryArn,
      changed: true,
      policyDeleted: false,
      audit: { recorded: true },
    });
    expect(audit.entries).toEqual([
      {
        id: imageFinding.Id,
        productArn: imageFinding.ProductArn,
        entry: {
          action: 'unblock',
          outcome: 'pulls allowed: no active finding at or above HIGH left in the repository',
          repositoryArn,
          at: context.now,
          by: context.actor,
        },
      },
    ]);
  });

  it('deletes the policy when our statement was all of it, and says so', async () => {
    const policies = new InMemoryPolicies(blockPolicy(null).policyText as string);
    const audit = new InMemoryAudit();
    const outcome = await releaseRepository(
      { policies, audit, findings: new InMemoryRepositoryFindings([]) },
      archived,
      config,
      context,
    );
    expect(outcome).toMatchObject({ status: 'unblocked', policyDeleted: true });
    expect(policies.writes).toEqual(['delete']);
    expect(audit.entries[0]?.entry.outcome).toBe(
      'pulls allowed: no active finding at or above HIGH left in the repository, policy deleted',
    );
  });

  it('keeps the block while another active finding at or above the threshold holds it', async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const audit = new InMemoryAudit();
    const holder = otherImageFinding({});
    const outcome = await releaseRepository(
      { policies, audit, findings: new InMemoryRepositoryFindings([holder]) },
      archived,
      config,
      context,
    );
    expect(outcome).toEqual({
      status: 'skipped',
      findingId: imageFinding.Id,
      reason: `1 active finding(s) at or above HIGH still hold the block, e.g. ${holder.Id}`,
    });
    expect(policies.writes).toEqual([]);
    expect(audit.entries).toEqual([]);
  });

  it("counts vulnerability findings too: a person's HIGH triage of one keeps the block", async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const vulnerability = findings.find((f) => !f.GeneratorId.endsWith('/image')) as StoredFinding;
    const outcome = await releaseRepository(
      {
        policies,
        findings: new InMemoryRepositoryFindings([{ ...vulnerability, Severity: { Label: 'HIGH' } }]),
      },
      archived,
      config,
      context,
    );
    expect(outcome.status === 'skipped' && outcome.reason).toContain(vulnerability.Id);
    expect(policies.writes).toEqual([]);
  });

  it('follows the threshold: a MEDIUM finding holds a block at MEDIUM', async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const store = new InMemoryRepositoryFindings([otherImageFinding({ Severity: { Label: 'MEDIUM' } })]);
    const outcome = await releaseRepository(
      {
        policies,
        findings: store,
      },
      { ...archived },
      { ...config, severityThreshold: 'MEDIUM' },
      context,
    );
    expect(outcome.status).toBe('skipped');
    expect(store.asked[0]?.atOrAbove).toBe('MEDIUM');
    expect(policies.writes).toEqual([]);
  });

  it('counts the triggering finding as the event has it, not as a stale store still has it', async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const staleSelf = clone(imageFinding) as StoredFinding;
    const outcome = await releaseRepository(
      { policies, findings: new InMemoryRepositoryFindings([staleSelf]) },
      archived,
      config,
      context,
    );
    expect(outcome.status).toBe('unblocked');
  });

  it('keeps the block when a stored finding cannot be read (nothing is assumed fixed)', async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const unreadable = {
      Id: 'ecr-compliance/x',
      GeneratorId: 'ecr-compliance/ecr-basic/image',
    } as StoredFinding;
    const outcome = await releaseRepository(
      { policies, findings: new InMemoryRepositoryFindings([unreadable as StoredFinding]) },
      archived,
      config,
      context,
    );
    expect(outcome.status).toBe('skipped');
    expect(policies.writes).toEqual([]);
  });

  it('reads no findings for a repository it has not blocked', async () => {
    const policies = new InMemoryPolicies(foreignPolicy);
    const store = new InMemoryRepositoryFindings([]);
    const outcome = await releaseRepository({ policies, findings: store }, archived, config, context);
    expect(outcome).toMatchObject({
      status: 'skipped',
      reason: 'the repository is not blocked by this tool',
    });
    expect(store.asked).toEqual([]);
    expect(policies.writes).toEqual([]);
  });

  it('never releases for a finding that itself still asks for the block', async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const outcome = await releaseRepository(
      { policies, findings: new InMemoryRepositoryFindings([]) },
      imageFinding,
      config,
      context,
    );
    expect(outcome.status === 'skipped' && outcome.reason).toMatch(/itself is active at or above HIGH/);
    expect(policies.reads).toBe(0);
  });

  it('leaves an unreadable policy untouched', async () => {
    const policies = new InMemoryPolicies('{"Statement": ');
    await expect(
      releaseRepository(
        { policies, findings: new InMemoryRepositoryFindings([]) },
        archived,
        config,
        context,
      ),
    ).rejects.toBeInstanceOf(PolicyUnreadableError);
    expect(policies.writes).toEqual([]);
  });
});
