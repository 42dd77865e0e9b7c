/**
 * The environment contract of the Lambda handlers, from the writing side: which variables each
 * handler reads and how a resolved setting is written into them. The CDK construct builds each
 * function's environment with these functions, and the handlers read it back with the loaders of
 * `config.ts`, which check every value with the core's resolvers; a test synthesizes the
 * construct and parses each function's environment with its loader.
 *
 * `AWS_REGION` is not written: Lambda sets it (it is a reserved variable).
 * This module imports only types from the core, so the construct can load it without the SDK.
 */
import type { CustomActionReference, FindingGranularity, SeverityLabel } from '@ecr-compliance/core';

/** Variables every handler reads, besides `AWS_REGION`. */
const COMMON_VARIABLES = ['ACCOUNT_ID', 'IDEMPOTENCY_TABLE_NAME'] as const;

/** Variables the on-image-scan handler reads, besides `AWS_REGION`. */
export const ON_IMAGE_SCAN_VARIABLES = [
  ...COMMON_VARIABLES,
  'FINDING_GRANULARITY',
  'ENHANCED_FINDING_GRANULARITY',
  'KEEP_ALIVE_DAYS',
  'BLOCK_ACTION_ID',
  'BLOCK_ACTION_NAME',
  'STATE_TABLE_NAME',
] as const;

/** Variables the on-custom-action handler reads, besides `AWS_REGION`. */
export const ON_CUSTOM_ACTION_VARIABLES = [
  ...COMMON_VARIABLES,
  'BLOCK_ACTION_ARN',
  'UNBLOCK_ACTION_ARN',
  'SEVERITY_THRESHOLD',
  'EXEMPT_PRINCIPAL_ARNS',
  'ALLOW_BROAD_EXEMPTIONS',
] as const;

/** Variables the on-finding-imported handler (automatic remediation) reads, besides `AWS_REGION`. */
export const ON_FINDING_IMPORTED_VARIABLES = [
  ...COMMON_VARIABLES,
  'SEVERITY_THRESHOLD',
  'EXEMPT_PRINCIPAL_ARNS',
  'ALLOW_BROAD_EXEMPTIONS',
  'AUTO_REMEDIATION',
  'AUTO_UNBLOCK',
] as const;

/** Variables the on-image-action handler reads, besides `AWS_REGION`. */
export const ON_IMAGE_ACTION_VARIABLES = [...COMMON_VARIABLES, 'STATE_TABLE_NAME'] as const;

/** The environment of the on-image-scan function, as {@link onImageScanEnvironment} writes it. */
export type OnImageScanEnvironment = Readonly<Record<(typeof ON_IMAGE_SCAN_VARIABLES)[number], string>>;
/** The environment of the on-custom-action function, as {@link onCustomActionEnvironment} writes it. */
export type OnCustomActionEnvironment = Readonly<Record<(typeof ON_CUSTOM_ACTION_VARIABLES)[number], string>>;
/** The environment of the on-finding-imported function, as {@link onFindingImportedEnvironment} writes it. */
export type OnFindingImportedEnvironment = Readonly<
  Record<(typeof ON_FINDING_IMPORTED_VARIABLES)[number], string>
>;
/** The environment of the on-image-action function, as {@link onImageActionEnvironment} writes it. */
export type OnImageActionEnvironment = Readonly<Record<(typeof ON_IMAGE_ACTION_VARIABLES)[number], string>>;

/**
 * What every function needs. Strings may be CDK tokens (`Aws.ACCOUNT_ID`, `table.tableName`);
 * they are written as they are and resolved at deployment.
 */
export interface CommonSettings {
  /** The account the function acts for: 12 digits. */
  readonly accountId: string;
  /** The DynamoDB table of Powertools' idempotency records. */
  readonly idempotencyTableName: string;
}

/** The resolved settings of on-image-scan (see the core's resolvers for their defaults). */
export interface OnImageScanSettings extends CommonSettings {
  readonly findingGranularity: FindingGranularity;
  readonly enhancedFindingGranularity: FindingGranularity;
  /** Whole days from 0 to 89. */
  readonly keepAliveDays: number;
  /** The configured block action, which the image finding's recommendation names. */
  readonly blockAction: CustomActionReference;
  /** The DynamoDB table of the lifecycle's state of record (docs/lifecycle.md#the-state-of-record). */
  readonly stateTableName: string;
}

/** The resolved settings of on-custom-action. */
export interface OnCustomActionSettings extends CommonSettings {
  /** ARN of the block custom action (usually the action target's `attrActionTargetArn` token). */
  readonly blockActionArn: string;
  /** ARN of the unblock custom action. */
  readonly unblockActionArn: string;
  readonly severityThreshold: SeverityLabel;
  /** Written comma-separated: an ARN cannot hold a comma that the props accept. */
  readonly exemptPrincipalArns: readonly string[];
  /** Exemptions may use a role path or name prefix with a wildcard (see docs/policy-engine.md). */
  readonly allowBroadExemptions: boolean;
}

/** The resolved settings of on-finding-imported (automatic remediation). */
export interface OnFindingImportedSettings extends CommonSettings {
  readonly severityThreshold: SeverityLabel;
  readonly exemptPrincipalArns: readonly string[];
  readonly allowBroadExemptions: boolean;
  readonly autoRemediation: boolean;
  readonly autoUnblock: boolean;
}

/** The resolved settings of on-image-action. */
export interface OnImageActionSettings extends CommonSettings {
  /** The DynamoDB table of the lifecycle's state of record, which a deletion archives in too. */
  readonly stateTableName: string;
}

const common = (settings: CommonSettings) => ({
  ACCOUNT_ID: settings.accountId,
  IDEMPOTENCY_TABLE_NAME: settings.idempotencyTableName,
});

/**
 * The environment of the on-image-scan function; `loadOnImageScanConfig` reads it back.
 *
 * @example
 * onImageScanEnvironment({ accountId: '111122223333', idempotencyTableName: 'idem',
 *   findingGranularity: 'both', enhancedFindingGranularity: 'image', keepAliveDays: 30,
 *   blockAction: { id: 'ECR1', name: 'Block ECR pulls' }, stateTableName: 'state' }).KEEP_ALIVE_DAYS; // '30'
 */
export function onImageScanEnvironment(settings: OnImageScanSettings): OnImageScanEnvironment {
  return {
    ...common(settings),
    FINDING_GRANULARITY: settings.findingGranularity,
    ENHANCED_FINDING_GRANULARITY: settings.enhancedFindingGranularity,
    KEEP_ALIVE_DAYS: String(settings.keepAliveDays),
    BLOCK_ACTION_ID: settings.blockAction.id,
    BLOCK_ACTION_NAME: settings.blockAction.name,
    STATE_TABLE_NAME: settings.stateTableName,
  };
}

/** The environment of the on-custom-action function; `loadOnCustomActionConfig` reads it back. */
export function onCustomActionEnvironment(settings: OnCustomActionSettings): OnCustomActionEnvironment {
  return {
    ...common(settings),
    BLOCK_ACTION_ARN: settings.blockActionArn,
    UNBLOCK_ACTION_ARN: settings.unblockActionArn,
    SEVERITY_THRESHOLD: settings.severityThreshold,
    EXEMPT_PRINCIPAL_ARNS: settings.exemptPrincipalArns.join(','),
    ALLOW_BROAD_EXEMPTIONS: String(settings.allowBroadExemptions),
  };
}

/** The environment of the on-finding-imported function; `loadOnFindingImportedConfig` reads it back. */
export function onFindingImportedEnvironment(
  settings: OnFindingImportedSettings,
): OnFindingImportedEnvironment {
  return {
    ...common(settings),
    SEVERITY_THRESHOLD: settings.severityThreshold,
    EXEMPT_PRINCIPAL_ARNS: settings.exemptPrincipalArns.join(','),
    ALLOW_BROAD_EXEMPTIONS: String(settings.allowBroadExemptions),
    AUTO_REMEDIATION: String(settings.autoRemediation),
    AUTO_UNBLOCK: String(settings.autoUnblock),
  };
}

/** The environment of the on-image-action function; `loadOnImageActionConfig` reads it back. */
export function onImageActionEnvironment(settings: OnImageActionSettings): OnImageActionEnvironment {
  return { ...common(settings), STATE_TABLE_NAME: settings.stateTableName };
}

// The metrics the handlers write, and their observability variables, for the construct's dashboard.
export {
  ACCOUNT_DIMENSION,
  MAX_ACCOUNT_SERIES,
  METRIC_NAMES,
  METRIC_NAMESPACE,
  METRIC_SERVICE,
  METRICS,
  type MetricName,
  REASON_DIMENSION,
  REFUSAL_REASON_CODES,
} from './metricNames.js';
export {
  OBSERVABILITY_VARIABLES,
  type ObservabilitySettings,
  observabilityEnvironment,
} from './observabilityEnvironment.js';
// The organization shape's variables and shared names, through the same entry point.
export {
  CENTRAL_EVENT_BUS_NAME,
  CENTRAL_FUNCTIONS,
  type CentralFunction,
  centralRoleName,
  type MemberRoleKind,
  memberRoleName,
  memberRolePrefix,
  ORGANIZATION_VARIABLES,
  type OrganizationEnvironment,
  type OrganizationSettings,
  organizationEnvironment,
} from './organizationEnvironment.js';
