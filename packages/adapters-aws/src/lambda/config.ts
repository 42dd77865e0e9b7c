/**
 * The handlers' configuration, read once from the environment at cold start and validated:
 * a missing or invalid value stops the cold start with a one-line message that names it (a set
 * but blank variable is invalid, not "the default"). The variables and how the construct writes
 * them are in `environment.ts`; every setting that has a default is checked by the core's
 * resolver for it, the same rule the construct's props apply.
 */
import {
  type CustomActionReference,
  DEFAULT_BLOCK_ACTION,
  DEFAULT_ENHANCED_FINDING_GRANULARITY,
  DEFAULT_FINDING_GRANULARITY,
  EcrComplianceError,
  type FindingGranularity,
  formatPath,
  InvalidInputError,
  resolveCustomActionReference,
  resolveFindingGranularity,
  resolveKeepAliveDays,
  resolveSeverityThreshold,
  type SeverityLabel,
  validateExemptPrincipals,
} from '@ecr-compliance/core';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import type {
  ON_CUSTOM_ACTION_VARIABLES,
  ON_FINDING_IMPORTED_VARIABLES,
  ON_IMAGE_ACTION_VARIABLES,
  ON_IMAGE_SCAN_VARIABLES,
} from './environment.js';

/** The environment does not configure a handler correctly. */
export class ConfigurationError extends EcrComplianceError {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

const required = (name: string) =>
  z.string({ error: `${name} is required` }).check(z.trim(), z.minLength(1, `${name} is required`));
const optional = () => z.optional(z.string());
const actionArn = (name: string) =>
  required(name).check(
    z.regex(/^arn:aws(-cn|-us-gov)?:securityhub:[a-z0-9-]+:\d{12}:action\/custom\/[A-Za-z0-9]{1,20}$/, {
      error: `${name} must be a Security Hub custom action ARN (arn:aws:securityhub:REGION:ACCOUNT:action/custom/ID)`,
    }),
  );

const flag = (name: string) =>
  z.pipe(
    z._default(z.enum(['true', 'false'], { error: `${name} must be "true" or "false"` }), 'false'),
    z.transform((value: 'true' | 'false') => value === 'true'),
  );

type Variables<T extends readonly string[]> = Record<T[number] | 'AWS_REGION', z.ZodMiniType>;

const common = {
  AWS_REGION: required('AWS_REGION'),
  ACCOUNT_ID: required('ACCOUNT_ID').check(z.regex(/^\d{12}$/, 'ACCOUNT_ID must be a 12-digit account id')),
  IDEMPOTENCY_TABLE_NAME: required('IDEMPOTENCY_TABLE_NAME'),
};

const OnImageScanEnv = z.object({
  ...common,
  // Checked below with the core's resolvers, so that the construct and the handler share one rule.
  FINDING_GRANULARITY: optional(),
  ENHANCED_FINDING_GRANULARITY: optional(),
  KEEP_ALIVE_DAYS: optional(),
  BLOCK_ACTION_ID: optional(),
  BLOCK_ACTION_NAME: optional(),
  // Without it (a function set up by hand, an older template), Security Hub is the state, as before.
  STATE_TABLE_NAME: optional(),
} satisfies Variables<typeof ON_IMAGE_SCAN_VARIABLES>);

const OnImageActionEnv = z.object({
  ...common,
  STATE_TABLE_NAME: optional(),
} satisfies Variables<typeof ON_IMAGE_ACTION_VARIABLES>);

const OnCustomActionEnv = z.object({
  ...common,
  BLOCK_ACTION_ARN: actionArn('BLOCK_ACTION_ARN'),
  UNBLOCK_ACTION_ARN: actionArn('UNBLOCK_ACTION_ARN'),
  SEVERITY_THRESHOLD: optional(),
  EXEMPT_PRINCIPAL_ARNS: z.pipe(
    z._default(z.string(), ''),
    z.transform((value: string) =>
      value
        .split(',')
        .map((arn) => arn.trim())
        .filter((arn) => arn.length > 0),
    ),
  ),
  // "true": exempt principals may hold a wildcard in a role's path or name prefix (the construct's
  // allowBroadExemptions); catch-alls such as role/* are refused even so.
  ALLOW_BROAD_EXEMPTIONS: flag('ALLOW_BROAD_EXEMPTIONS'),
} satisfies Variables<typeof ON_CUSTOM_ACTION_VARIABLES>);

const OnFindingImportedEnv = z.object({
  ...common,
  SEVERITY_THRESHOLD: optional(),
  EXEMPT_PRINCIPAL_ARNS: OnCustomActionEnv.shape.EXEMPT_PRINCIPAL_ARNS,
  ALLOW_BROAD_EXEMPTIONS: flag('ALLOW_BROAD_EXEMPTIONS'),
  // "true": block, without a person, when a finding at or above the threshold is imported and
  // ECR's own scan of its image confirms it (the construct's autoRemediation).
  AUTO_REMEDIATION: flag('AUTO_REMEDIATION'),
  // "true": on the same events, remove our block when ECR's scans of every image of the repository
  // and Amazon Inspector's findings show nothing at or above the threshold (autoUnblock).
  AUTO_UNBLOCK: flag('AUTO_UNBLOCK'),
} satisfies Variables<typeof ON_FINDING_IMPORTED_VARIABLES>);

/** What every handler reads. */
interface CommonConfig {
  /** Set by Lambda. */
  readonly AWS_REGION: string;
  readonly ACCOUNT_ID: string;
  readonly IDEMPOTENCY_TABLE_NAME: string;
}

/** Configuration of the on-image-scan handler. */
export interface OnImageScanConfig extends CommonConfig {
  /** Findings of a basic scan ("ECR Image Scan"). @default 'both' */
  readonly FINDING_GRANULARITY: FindingGranularity;
  /** Findings of an enhanced scan ("Inspector2 Scan"): Inspector sends its own per vulnerability. @default 'image' */
  readonly ENHANCED_FINDING_GRANULARITY: FindingGranularity;
  /**
   * An unchanged finding is imported again once its last import is this many whole days old (0 to
   * 89), so that Security Hub, which deletes a finding 90 days after its last update, keeps it.
   * @default 30
   */
  readonly KEEP_ALIVE_DAYS: number;
  /**
   * The block action the image finding's recommendation names, from `BLOCK_ACTION_ID` and
   * `BLOCK_ACTION_NAME` (each optional). @default { id: 'ECR1', name: 'Block ECR pulls' }
   */
  readonly BLOCK_ACTION: CustomActionReference;
  /** The lifecycle's state of record; absent: Security Hub is the state (GetFindings), as before it existed. */
  readonly STATE_TABLE_NAME?: string;
}

/** Configuration of the on-image-action handler. */
export interface OnImageActionConfig extends CommonConfig {
  /** The lifecycle's state of record; absent: Security Hub is the state. */
  readonly STATE_TABLE_NAME?: string;
}

/** Configuration of the on-custom-action handler. */
export interface OnCustomActionConfig extends CommonConfig {
  readonly BLOCK_ACTION_ARN: string;
  readonly UNBLOCK_ACTION_ARN: string;
  /** @default 'HIGH' */
  readonly SEVERITY_THRESHOLD: SeverityLabel;
  /** @default [] */
  readonly EXEMPT_PRINCIPAL_ARNS: string[];
  /** Exempt principals may hold a wildcard in a role's path or name prefix. @default false */
  readonly ALLOW_BROAD_EXEMPTIONS: boolean;
}

/** Configuration of the on-finding-imported handler (automatic remediation). */
export interface OnFindingImportedConfig extends CommonConfig {
  /** @default 'HIGH' */
  readonly SEVERITY_THRESHOLD: SeverityLabel;
  /** @default [] */
  readonly EXEMPT_PRINCIPAL_ARNS: string[];
  /** @default false */
  readonly ALLOW_BROAD_EXEMPTIONS: boolean;
  /** @default false */
  readonly AUTO_REMEDIATION: boolean;
  /** @default false */
  readonly AUTO_UNBLOCK: boolean;
}

function load<S extends z.ZodMiniType>(
  schema: S,
  env: Record<string, string | undefined>,
  handler: string,
): z.output<S> {
  // English messages per call: a library must not set zod's global locale.
  const result = schema.safeParse(env, { error: en().localeError });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = issue ? formatPath(issue.path) : '';
  const message = issue?.message.includes(name) ? issue.message : `${name}: ${issue?.message}`;
  throw new ConfigurationError(`invalid configuration of ${handler}: ${message}`);
}

/** Runs the core's resolvers, turning their refusal into the handler's one-line ConfigurationError. */
function resolved<T>(handler: string, resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    if (error instanceof InvalidInputError) {
      throw new ConfigurationError(`invalid configuration of ${handler}: ${error.message}`);
    }
    throw error;
  }
}

/** A decimal number becomes a number, for the core to judge (12.5 is a number it refuses); other text stays text. */
const numberIn = (value: string | undefined): unknown =>
  value !== undefined && /^\s*[-+]?(?:\d+\.?\d*|\.\d+)\s*$/.test(value) ? Number(value) : value;

/** Reads and validates the on-image-scan handler's environment. */
export function loadOnImageScanConfig(env: Record<string, string | undefined>): OnImageScanConfig {
  const handler = 'on-image-scan';
  const raw = load(OnImageScanEnv, env, handler);
  return resolved(handler, () => ({
    AWS_REGION: raw.AWS_REGION,
    ACCOUNT_ID: raw.ACCOUNT_ID,
    IDEMPOTENCY_TABLE_NAME: raw.IDEMPOTENCY_TABLE_NAME,
    FINDING_GRANULARITY: resolveFindingGranularity(
      raw.FINDING_GRANULARITY,
      DEFAULT_FINDING_GRANULARITY,
      'FINDING_GRANULARITY',
    ),
    ENHANCED_FINDING_GRANULARITY: resolveFindingGranularity(
      raw.ENHANCED_FINDING_GRANULARITY,
      DEFAULT_ENHANCED_FINDING_GRANULARITY,
      'ENHANCED_FINDING_GRANULARITY',
    ),
    KEEP_ALIVE_DAYS: resolveKeepAliveDays(numberIn(raw.KEEP_ALIVE_DAYS), 'KEEP_ALIVE_DAYS'),
    BLOCK_ACTION: blockAction(raw.BLOCK_ACTION_ID, raw.BLOCK_ACTION_NAME),
    ...(raw.STATE_TABLE_NAME?.trim() ? { STATE_TABLE_NAME: raw.STATE_TABLE_NAME.trim() } : {}),
  }));
}

/** The block action from its two variables; the error names the variable, not the object. */
function blockAction(id: string | undefined, name: string | undefined): CustomActionReference {
  try {
    return resolveCustomActionReference({ id, name }, DEFAULT_BLOCK_ACTION, 'BLOCK_ACTION');
  } catch (error) {
    if (error instanceof InvalidInputError) {
      const variable = error.path === 'BLOCK_ACTION.id' ? 'BLOCK_ACTION_ID' : 'BLOCK_ACTION_NAME';
      throw new InvalidInputError(error.message.slice(error.path.length + 2), variable);
    }
    throw error;
  }
}

/** Reads and validates the on-image-action handler's environment. */
export function loadOnImageActionConfig(env: Record<string, string | undefined>): OnImageActionConfig {
  const { STATE_TABLE_NAME, ...rest } = load(OnImageActionEnv, env, 'on-image-action');
  return { ...rest, ...(STATE_TABLE_NAME?.trim() ? { STATE_TABLE_NAME: STATE_TABLE_NAME.trim() } : {}) };
}

/** Reads and validates the on-custom-action handler's environment. */
export function loadOnCustomActionConfig(env: Record<string, string | undefined>): OnCustomActionConfig {
  const handler = 'on-custom-action';
  const raw = load(OnCustomActionEnv, env, handler);
  const config: OnCustomActionConfig = {
    ...raw,
    SEVERITY_THRESHOLD: resolved(handler, () =>
      resolveSeverityThreshold(raw.SEVERITY_THRESHOLD, 'SEVERITY_THRESHOLD'),
    ),
  };
  if (config.BLOCK_ACTION_ARN === config.UNBLOCK_ACTION_ARN) {
    throw new ConfigurationError(
      `invalid configuration of ${handler}: BLOCK_ACTION_ARN and UNBLOCK_ACTION_ARN must differ`,
    );
  }
  try {
    validateExemptPrincipals(config.EXEMPT_PRINCIPAL_ARNS, {
      region: config.AWS_REGION,
      allowBroadExemptions: config.ALLOW_BROAD_EXEMPTIONS,
    });
  } catch (error) {
    throw new ConfigurationError(
      `invalid configuration of ${handler}: EXEMPT_PRINCIPAL_ARNS: ${(error as Error).message.replace(/^exemptPrincipalArns/, 'entry ')}`,
    );
  }
  return config;
}

/** Reads and validates the on-finding-imported handler's environment. */
export function loadOnFindingImportedConfig(
  env: Record<string, string | undefined>,
): OnFindingImportedConfig {
  const handler = 'on-finding-imported';
  const raw = load(OnFindingImportedEnv, env, handler);
  const config: OnFindingImportedConfig = {
    ...raw,
    SEVERITY_THRESHOLD: resolved(handler, () =>
      resolveSeverityThreshold(raw.SEVERITY_THRESHOLD, 'SEVERITY_THRESHOLD'),
    ),
  };
  try {
    validateExemptPrincipals(config.EXEMPT_PRINCIPAL_ARNS, {
      region: config.AWS_REGION,
      allowBroadExemptions: config.ALLOW_BROAD_EXEMPTIONS,
    });
  } catch (error) {
    throw new ConfigurationError(
      `invalid configuration of on-finding-imported: EXEMPT_PRINCIPAL_ARNS: ${(error as Error).message.replace(/^exemptPrincipalArns/, 'entry ')}`,
    );
  }
  return config;
}

/**
 * A rule of this account and Region delivers only their events; anything else is misrouted and
 * refused before any AWS call. `acts` says what the function does, for the message.
 */
export function assertOwnEvent(
  event: { readonly account: string; readonly region: string },
  config: { readonly ACCOUNT_ID: string; readonly AWS_REGION: string },
  acts: string,
): void {
  if (event.account !== config.ACCOUNT_ID || event.region !== config.AWS_REGION) {
    throw new InvalidInputError(
      `event of ${event.account}/${event.region}, but this function ${acts} for ${config.ACCOUNT_ID}/${config.AWS_REGION}`,
      'account',
    );
  }
}
