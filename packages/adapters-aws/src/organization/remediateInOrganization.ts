/**
 * Automatic remediation from the delegated administrator's "Findings - Imported" feed, which
 * carries the findings of every member account (and, in the home Region, of every linked Region):
 * each finding is handled by the core's `remediateImportedFindings` in its own account and its
 * repository's Region, on that place's evidence (ECR's scans, the image list, the findings of that
 * account's Security Hub) read through its member role. The audit note is the administrator's.
 */
import {
  type AutomaticOutcome,
  type AutomaticRemediationConfig,
  type AutomaticRemediationDeps,
  remediateImportedFindings,
} from '@ecr-compliance/core';
import type { AccountPlace } from '../sts/AccountCredentials.js';
import type { OrganizationScope } from './OrganizationScope.js';

/** Dependencies of {@link remediateInOrganization}. */
export interface OrganizationRemediationDeps {
  readonly scope: OrganizationScope;
  /** The evidence and the policy store of one account and Region (its member role's), with the administrator's audit trail. */
  readonly depsIn: (place: AccountPlace) => AutomaticRemediationDeps;
}

const idOf = (finding: unknown): string | null => {
  const id = (finding as { Id?: unknown } | null)?.Id;
  return typeof id === 'string' ? id : null;
};

/**
 * Decides each finding's place (the refusals of {@link OrganizationScope.placeOfFinding}), then
 * hands the findings of each place, in the event's order, to the core with that place as the
 * acting account and Region. Outcomes come back in the event's order. Not being able to ask the
 * organization about a finding is a `failed` outcome, as an outage is in the core.
 */
export async function remediateInOrganization(
  deps: OrganizationRemediationDeps,
  findings: readonly unknown[],
  config: Omit<AutomaticRemediationConfig, 'accountId' | 'region'>,
  context: Parameters<typeof remediateImportedFindings>[3],
): Promise<AutomaticOutcome[]> {
  const outcomes: Array<AutomaticOutcome | undefined> = findings.map(() => undefined);
  const places = new Map<string, { place: AccountPlace; indexes: number[] }>();
  for (const [index, finding] of findings.entries()) {
    try {
      const decision = await deps.scope.placeOfFinding(finding);
      if (!decision.ok) {
        outcomes[index] = { status: 'skipped', findingId: idOf(finding), reason: decision.reason };
        continue;
      }
      const key = `${decision.place.accountId}/${decision.place.region}`;
      const group = places.get(key) ?? { place: decision.place, indexes: [] };
      group.indexes.push(index);
      places.set(key, group);
    } catch (error) {
      outcomes[index] = {
        status: 'failed',
        findingId: idOf(finding),
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      };
    }
  }
  for (const { place, indexes } of places.values()) {
    const results = await remediateImportedFindings(
      deps.depsIn(place),
      indexes.map((index) => findings[index]),
      { ...config, accountId: place.accountId, region: place.region },
      context,
    );
    for (const [k, index] of indexes.entries()) outcomes[index] = results[k];
  }
  return outcomes as AutomaticOutcome[];
}
