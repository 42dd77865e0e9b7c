/** Findings of a Trivy report block a repository and hold a block, as ECR's do. */
import {
  type AsffFinding,
  BLOCK_STATEMENT_SID,
  blockPolicy,
  blockRepository,
  type RepositoryFindings,
  type RepositoryImages,
  remediateAutomatically,
  type ScanFindingsSource,
  type StoredFinding,
  toAsffFindings,
} from '@ecr-compliance/core';
import { scannedImageFromTrivy } from '@ecr-compliance/core/scanners';
import { describe, expect, it } from 'vitest';
import { InMemoryPolicies } from '../support/fakes.js';
import { asStoredBySecurityHub, fixture } from '../support/fixtures.js';

const image = scannedImageFromTrivy(fixture('trivy/ecr-image.json'));
const findings = toAsffFindings(image).map(asStoredBySecurityHub) as Array<
  AsffFinding & Record<string, unknown>
>;
const high = findings.find((f) => f.Vulnerabilities?.[0]?.Id === 'CVE-2024-6119') as AsffFinding &
  Record<string, unknown>;
const imageFinding = findings.find((f) => f.GeneratorId === 'ecr-compliance/trivy/image') as AsffFinding &
  Record<string, unknown>;
const config = { accountId: image.accountId, region: image.region } as const;
const context = { actor: 'ecr-compliance automatic remediation', now: '2026-12-01T08:00:00.000Z' };
const low = (f: StoredFinding): StoredFinding => ({
  ...f,
  Severity: { Label: 'LOW', Normalized: 1 },
  FindingProviderFields: { Severity: { Label: 'LOW', Original: 'LOW' } },
});

/** The repository's one image, the findings that hold its block, and ECR's own (clean) scan of it. */
function repository(holders: StoredFinding[]): RepositoryFindings & RepositoryImages & ScanFindingsSource {
  return {
    firstHolder: async (_, { source, holds }) => {
      const holder = source === 'ours' ? holders.find(holds) : undefined;
      return holder ? { holder } : { complete: true };
    },
    digestsOf: async () => [image.imageDigest],
    getScan: async () => ({
      ...image,
      scanner: { id: 'ecr-basic', name: 'Amazon ECR' },
      vulnerabilities: [],
    }),
  };
}

describe('Trivy findings and the block', () => {
  it('blocks the repository of a HIGH Trivy finding', async () => {
    expect(high.Severity.Label).toBe('HIGH');
    const policies = new InMemoryPolicies();
    const outcome = await blockRepository({ policies }, high, { accountId: config.accountId }, context);
    expect(outcome).toMatchObject({
      status: 'blocked',
      repositoryArn: `arn:aws:ecr:eu-west-1:111122223333:repository/team-a/payments-api`,
    });
    expect(JSON.parse(policies.text ?? '').Statement[0].Sid).toBe(BLOCK_STATEMENT_SID);
  });

  it('keeps the block while an active HIGH Trivy finding remains, and releases it once none does', async () => {
    const trigger = { ...low(imageFinding), UpdatedAt: '2026-12-01T07:59:00.000Z' };
    const settings = { ...config, block: true, unblock: true };
    const held = new InMemoryPolicies(blockPolicy(null).policyText);
    const holding = repository([high]);
    const kept = await remediateAutomatically(
      { policies: held, findings: holding, images: holding, scans: holding },
      trigger,
      settings,
      context,
    );
    expect(kept).toMatchObject({ status: 'skipped', reason: expect.stringContaining(high.Id) });
    expect(held.writes).toEqual([]);
    const free = new InMemoryPolicies(blockPolicy(null).policyText);
    const clean = repository([]);
    const released = await remediateAutomatically(
      { policies: free, findings: clean, images: clean, scans: clean },
      trigger,
      settings,
      context,
    );
    expect(released).toMatchObject({ status: 'unblocked', changed: true });
  });
});
