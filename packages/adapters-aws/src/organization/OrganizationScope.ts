/**
 * Which accounts and Regions the central functions of the organization shape may act in, and
 * where a finding says to act. Every refusal is a reason, never an error, and comes before any
 * call in the member account.
 */
import { parseEcrArn } from '@ecr-compliance/core';
import type { AccountDirectory } from '../organizations/OrganizationsAccountDirectory.js';
import type { AccountPlace } from '../sts/AccountCredentials.js';

/** Where to act, or why not. */
export type PlaceDecision =
  | { readonly ok: true; readonly place: AccountPlace }
  | { readonly ok: false; readonly reason: string };

/** Options of {@link OrganizationScope}. */
export interface OrganizationScopeOptions {
  /** The organization's accounts. */
  readonly accounts: AccountDirectory;
  /** Regions where the member footprint is deployed. */
  readonly deployedRegions: readonly string[];
  /** When not empty, the only accounts acted in. */
  readonly allowedAccounts: readonly string[];
}

const ECR_RESOURCE_TYPES = new Set(['AwsEcrContainerImage', 'AwsEcrRepository']);
const ECR_ARN_START = /^arn:[^:]*:ecr:/;
const ACCOUNT = /^\d{12}$/;

/** The accounts and Regions of the organization shape, and how a finding or an event maps to one. */
export class OrganizationScope {
  readonly #accounts: AccountDirectory;
  readonly #regions: ReadonlySet<string>;
  readonly #allowed: ReadonlySet<string>;

  constructor(options: OrganizationScopeOptions) {
    this.#accounts = options.accounts;
    this.#regions = new Set(options.deployedRegions);
    this.#allowed = new Set(options.allowedAccounts);
  }

  /**
   * Whether `place` may be acted in: a deployed Region, an allowed account (when there is a list),
   * and an active account of the organization, checked in that order (the cheap ones first).
   *
   * @throws when the organization cannot be asked (not knowing is not a refusal)
   */
  async decide(place: AccountPlace): Promise<PlaceDecision> {
    if (!ACCOUNT.test(place.accountId)) {
      return { ok: false, reason: `account ${JSON.stringify(place.accountId)} is not a 12-digit account id` };
    }
    if (!this.#regions.has(place.region)) {
      return {
        ok: false,
        reason: `region ${place.region} is not deployed (deployed: ${[...this.#regions].join(', ')})`,
      };
    }
    if (this.#allowed.size > 0 && !this.#allowed.has(place.accountId)) {
      return { ok: false, reason: `account ${place.accountId} is not in the allow-list` };
    }
    const refusal = await this.#accounts.refusalOf(place.accountId);
    return refusal === undefined ? { ok: true, place } : { ok: false, reason: refusal };
  }

  /**
   * Where a finding says to act: its `AwsAccountId`, and the Region of its ECR resources' ARNs. A
   * resource in another account than the finding's is refused: a member can import findings only
   * about itself, and must not steer a block into another account. The core checks the rest of
   * the finding (one repository, names that agree) in that place.
   */
  async placeOfFinding(finding: unknown): Promise<PlaceDecision> {
    const record = (finding ?? {}) as { AwsAccountId?: unknown; Resources?: unknown };
    const accountId = record.AwsAccountId;
    if (typeof accountId !== 'string' || !ACCOUNT.test(accountId)) {
      return { ok: false, reason: 'finding has no valid AwsAccountId' };
    }
    const resources = (Array.isArray(record.Resources) ? record.Resources : []) as Array<{
      Type?: unknown;
      Id?: unknown;
    }>;
    const regions = new Set<string>();
    for (const resource of resources) {
      const id = typeof resource?.Id === 'string' ? resource.Id : '';
      if (!ECR_RESOURCE_TYPES.has(String(resource?.Type)) && !ECR_ARN_START.test(id)) continue;
      const arn = parseEcrArn(id);
      if (!arn) return { ok: false, reason: `resource ${id} is not an ECR image or repository ARN` };
      if (arn.accountId !== accountId) {
        return {
          ok: false,
          reason: `resource ${id} is in account ${arn.accountId}, but the finding belongs to account ${accountId}`,
        };
      }
      regions.add(arn.region);
    }
    if (regions.size === 0) return { ok: false, reason: 'finding has no ECR image or repository resource' };
    if (regions.size > 1) {
      return {
        ok: false,
        reason: `finding names repositories in several regions: ${[...regions].join(', ')}`,
      };
    }
    return this.decide({ accountId, region: [...regions][0] as string });
  }
}
