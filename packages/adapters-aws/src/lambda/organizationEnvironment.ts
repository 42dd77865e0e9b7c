/**
 * The organization shape's part of the environment contract, and the names both templates share:
 * the central stack's function roles (which the member roles trust), the member roles (which the
 * central functions assume) and the central event bus (which the member rules forward to). The
 * construct writes the variables with {@link organizationEnvironment}; the handlers read them back
 * with `loadOrganizationConfig`. Without these variables a handler works in its own account and
 * Region only, as it always did.
 *
 * This module imports nothing at run time, so the CDK construct can load it without the SDK.
 */

/** Variables of the organization shape; all absent in the single-account shape. */
export const ORGANIZATION_VARIABLES = [
  'ORGANIZATION_ID',
  'MEMBER_ROLE_PREFIX',
  'DEPLOYED_REGIONS',
  'ALLOWED_ACCOUNTS',
] as const;

/** The environment {@link organizationEnvironment} writes. */
export type OrganizationEnvironment = Readonly<Record<(typeof ORGANIZATION_VARIABLES)[number], string>>;

/** Name of the event bus in the central account that the member rules forward to. */
export const CENTRAL_EVENT_BUS_NAME = 'ecr-compliance';

/**
 * What a member role is for. `import`: read ECR's scans and import into the member's Security Hub
 * (on-image-scan, on-image-action). `remediate`: read and write repository policies (the custom
 * actions, and automatic remediation with the evidence it reads).
 */
export type MemberRoleKind = 'import' | 'remediate';

/** The central functions, by the construct id of each, and the member role each assumes. */
export const CENTRAL_FUNCTIONS = {
  OnImageScan: 'import',
  OnImageAction: 'import',
  OnCustomAction: 'remediate',
  OnFindingImported: 'remediate',
} as const satisfies Record<string, MemberRoleKind>;

/** A central function's construct id. */
export type CentralFunction = keyof typeof CENTRAL_FUNCTIONS;

/**
 * Name of a central function's execution role: fixed, so that the member template can trust it by
 * ARN before the central stack is read (`arn:aws:iam::CENTRAL:role/<name>`).
 *
 * @example centralRoleName('OnImageScan') // 'ecr-compliance-central-OnImageScan'
 */
export function centralRoleName(fn: CentralFunction): string {
  return `ecr-compliance-central-${fn}`;
}

/**
 * Prefix of a member role's name; the Region follows it. IAM roles are global, and the StackSet
 * deploys the member footprint once per account and Region, so each Region's instance has roles of
 * its own, scoped to that Region's resources.
 *
 * @example memberRolePrefix('import') // 'ecr-compliance-import-'
 */
export function memberRolePrefix(kind: MemberRoleKind): string {
  return `ecr-compliance-${kind}-`;
}

/**
 * Name of the member role of `kind` in `region`.
 *
 * @example memberRoleName('remediate', 'eu-west-1') // 'ecr-compliance-remediate-eu-west-1'
 */
export function memberRoleName(kind: MemberRoleKind, region: string): string {
  return `${memberRolePrefix(kind)}${region}`;
}

/** The organization settings of one central function. */
export interface OrganizationSettings {
  /** `o-` and 10 to 32 lowercase letters or digits. */
  readonly organizationId: string;
  /** The member role this function assumes. */
  readonly memberRole: MemberRoleKind;
  /** Regions where the member footprint is deployed; events and findings of others are refused. */
  readonly deployedRegions: readonly string[];
  /** When not empty, the only accounts acted in (each must also be in the organization). */
  readonly allowedAccounts: readonly string[];
}

/**
 * The organization variables of one central function; `loadOrganizationConfig` reads them back.
 *
 * @example
 * organizationEnvironment({ organizationId: 'o-a1b2c3d4e5', memberRole: 'import',
 *   deployedRegions: ['us-east-1'], allowedAccounts: [] }).MEMBER_ROLE_PREFIX; // 'ecr-compliance-import-'
 */
export function organizationEnvironment(settings: OrganizationSettings): OrganizationEnvironment {
  return {
    ORGANIZATION_ID: settings.organizationId,
    MEMBER_ROLE_PREFIX: memberRolePrefix(settings.memberRole),
    DEPLOYED_REGIONS: settings.deployedRegions.join(','),
    ALLOWED_ACCOUNTS: settings.allowedAccounts.join(','),
  };
}
