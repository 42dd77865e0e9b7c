/**
 * The context values of the organization app (`pnpm synth:org`), read and checked in one place.
 * Each has an example default, so that the templates synthesize offline; give real values with
 * `-c name=value` or in cdk.json (docs/organization.md).
 */

/** The organization app's settings, as read from the CDK context. */
export interface OrganizationContext {
  /** `organizationId`: the AWS Organizations id. @default 'o-a1b2c3d4e5' (an example) */
  readonly organizationId: string;
  /** `centralAccountId`: the Security Hub delegated administrator account. @default '111122223333' */
  readonly centralAccountId: string;
  /** `centralRegion`: the central stack's Region (the Security Hub home Region). @default 'us-east-1' */
  readonly centralRegion: string;
  /** `deployedRegions`: comma-separated Regions of the member footprint. @default 'us-east-1,eu-west-1' */
  readonly deployedRegions: readonly string[];
  /** `memberOrganizationalUnits`: comma-separated OU ids the StackSet deploys to. @default 'ou-a1b2-c3d4e5f6' */
  readonly memberOrganizationalUnits: readonly string[];
  /** `allowedAccounts`: comma-separated account ids; empty for every account of the organization. @default '' */
  readonly allowedAccounts: readonly string[];
  /**
   * `memberStackSet`: `true` puts the member StackSet (service-managed, automatic deployment to
   * `memberOrganizationalUnits` in `deployedRegions`) into the central stack itself, for a central
   * account that is also a StackSets delegated administrator. @default 'false'
   */
  readonly memberStackSet: boolean;
}

/** The example defaults of {@link OrganizationContext}. */
export const ORGANIZATION_CONTEXT_DEFAULTS = {
  organizationId: 'o-a1b2c3d4e5',
  centralAccountId: '111122223333',
  centralRegion: 'us-east-1',
  deployedRegions: 'us-east-1,eu-west-1',
  memberOrganizationalUnits: 'ou-a1b2-c3d4e5f6',
  allowedAccounts: '',
  memberStackSet: 'false',
} as const;

const list = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

/**
 * Reads the organization app's context; a value may be a string (from `-c`) or, in cdk.json, a
 * list of strings.
 *
 * @example readOrganizationContext((key) => app.node.tryGetContext(key))
 */
export function readOrganizationContext(get: (key: string) => unknown): OrganizationContext {
  const text = (key: keyof typeof ORGANIZATION_CONTEXT_DEFAULTS): string => {
    const value = get(key);
    if (value === undefined || value === null) return ORGANIZATION_CONTEXT_DEFAULTS[key];
    if (Array.isArray(value)) return value.map(String).join(',');
    return String(value);
  };
  return {
    organizationId: text('organizationId').trim(),
    centralAccountId: text('centralAccountId').trim(),
    centralRegion: text('centralRegion').trim(),
    deployedRegions: list(text('deployedRegions')),
    memberOrganizationalUnits: list(text('memberOrganizationalUnits')),
    allowedAccounts: list(text('allowedAccounts')),
    memberStackSet: text('memberStackSet').trim() === 'true',
  };
}
