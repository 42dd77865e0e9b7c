import { Token } from 'aws-cdk-lib';
import { InvalidPropsError } from '../errors.js';

/**
 * The organization shape: the construct is the central stack in the Security Hub delegated
 * administrator account, and acts in member accounts through the roles of the member footprint
 * (`EcrComplianceMember`). See docs/organization.md.
 */
export interface OrganizationOptions {
  /** The AWS Organizations id, `o-` and 10 to 32 lowercase letters or digits. */
  readonly organizationId: string;
  /**
   * The Regions where the member footprint is deployed (the StackSet's Regions). Scans and
   * deletions are forwarded from them to the central bus; events and findings of any other Region
   * are refused.
   */
  readonly deployedRegions: readonly string[];
  /**
   * When given, the only member accounts acted in; each must also be an active account of the
   * organization.
   *
   * @default [] - every active account of the organization
   */
  readonly allowedAccounts?: readonly string[];
  /**
   * How many scans (and, apart, deletions) the central functions import at once, for the whole
   * organization: different accounts and Regions proceed in parallel, each within its own Security
   * Hub quotas (a throttled call is retried), and two runs of one image never overlap (the state of
   * record's lease). A whole number from 1 to 1,000.
   *
   * @default 10
   */
  readonly concurrency?: number;
}

/** The default of {@link OrganizationOptions.concurrency}. */
export const DEFAULT_ORGANIZATION_CONCURRENCY = 10;

/** {@link OrganizationOptions} with defaults applied and values checked. */
export interface ResolvedOrganizationOptions {
  readonly organizationId: string;
  readonly deployedRegions: readonly string[];
  readonly allowedAccounts: readonly string[];
  readonly concurrency: number;
}

const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ACCOUNT = /^\d{12}$/;

/**
 * Checks the organization settings at synthesis, with a message that names the property.
 *
 * @throws InvalidPropsError for an invalid organization id, Region or account id, or no Region
 */
export function resolveOrganization(options: OrganizationOptions): ResolvedOrganizationOptions {
  const literal = (value: string) => !Token.isUnresolved(value);
  if (literal(options.organizationId) && !ORGANIZATION_ID.test(options.organizationId)) {
    throw new InvalidPropsError(
      'organization.organizationId',
      `'${options.organizationId}' is not an organization id (o- and 10 to 32 lowercase letters or digits)`,
    );
  }
  if (options.deployedRegions.length === 0) {
    throw new InvalidPropsError('organization.deployedRegions', 'name at least one Region');
  }
  for (const region of options.deployedRegions) {
    if (!literal(region) || !REGION.test(region)) {
      throw new InvalidPropsError(
        'organization.deployedRegions',
        `'${region}' is not a Region name such as eu-west-1 (tokens are refused: the roles are named after it)`,
      );
    }
  }
  const allowedAccounts = options.allowedAccounts ?? [];
  for (const account of allowedAccounts) {
    if (!literal(account) || !ACCOUNT.test(account)) {
      throw new InvalidPropsError(
        'organization.allowedAccounts',
        `'${account}' is not a 12-digit account id`,
      );
    }
  }
  const concurrency = options.concurrency ?? DEFAULT_ORGANIZATION_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
    throw new InvalidPropsError(
      'organization.concurrency',
      `${concurrency} is not a whole number from 1 to 1,000`,
    );
  }
  return {
    organizationId: options.organizationId,
    deployedRegions: [...new Set(options.deployedRegions)],
    allowedAccounts: [...new Set(allowedAccounts)],
    concurrency,
  };
}
