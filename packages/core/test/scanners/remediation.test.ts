/** Findings of a Trivy report block a repository and hold a block, as ECR's do. */
import {
  type AsffFinding,
  BLOCK_STATEMENT_SID,
  blockPolicy,
  blockRepository,
  type RepositoryFindings,
  type RepositoryImages,
  releaseRepository,
  type StoredFinding,
  scannedImageFromTrivy,
  toAsffFindings,
} from '@ecr-compliance/core';
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

/** The repository's one image, its image finding and the findings at or above the threshold. */
function repository(
  imageFindings: StoredFinding[],
  holders: StoredFinding[],
): RepositoryFindings & RepositoryImages {
  return {
    activeFindingsOfRepository: async () => holders,
    activeImageFindingsOfRepository: async () => imageFindings,
    findingById: async ({ id }) => [...imageFindings, ...holders].find((f) => f.Id === id),
    digestsOf: async () => [image.imageDigest],
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

  it('keeps the block while an active HIGH Trivy finding remains, and releases it once the image is below', async () => {
    const trigger = { ...low(imageFinding), UpdatedAt: '2026-12-01T07:59:00.000Z' };
    const held = new InMemoryPolicies(blockPolicy(null).policyText);
    const kept = await releaseRepository(
      { policies: held, findings: repository([low(imageFinding)], [high]), images: repository([], []) },
      trigger,
      config,
      context,
    );
    expect(kept).toMatchObject({ status: 'skipped', reason: expect.stringContaining(high.Id) });
    expect(held.writes).toEqual([]);
    const free = new InMemoryPolicies(blockPolicy(null).policyText);
    const released = await releaseRepository(
      { policies: free, findings: repository([low(imageFinding)], []), images: repository([], []) },
      trigger,
      config,
      context,
    );
    expect(released).toMatchObject({ status: 'unblocked', changed: true });
  });
});
