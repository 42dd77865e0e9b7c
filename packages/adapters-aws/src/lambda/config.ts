/**
 * The handlers' configuration, read once from the environment at cold start and validated:
 * a missing or invalid value stops the cold start with a message that names it.
 */
import {
  DEFAULT_KEEP_ALIVE_DAYS,
  EcrComplianceError,
  formatPath,
  InvalidInputError,
  SEVERITY_LABELS,
  validateExemptPrincipals,
} from '@ecr-compliance/core';
import * as z from 'zod/mini';

/** The environment does not configure a handler correctly. */
export class ConfigurationError extends EcrComplianceError {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

const required = (name: string) =>
  z.string({ error: `${name} is required` }).check(z.trim(), z.minLength(1, `${name} is required`));
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
const granularity = (fallback: 'vulnerability' | 'image' | 'both') =>
  z._default(z.enum(['vulnerability', 'image', 'both']), fallback);

const common = {
  AWS_REGION: required('AWS_REGION'),
  ACCOUNT_ID: required('ACCOUNT_ID').check(z.regex(/^\d{12}$/, 'ACCOUNT_ID must be a 12-digit account id')),
  IDEMPOTENCY_TABLE_NAME: required('IDEMPOTENCY_TABLE_NAME'),
};

const OnImageScanEnv = z.object({
  ...common,
  // Basic scanning ("ECR Image Scan"): this tool is the only source of the findings.
  FINDING_GRANULARITY: granularity('both'),
  // Enhanced scanning ("Inspector2 Scan"): Amazon Inspector already sends one finding per
  // vulnerability to Security Hub, so only the image finding by default, to avoid duplicates.
  ENHANCED_FINDING_GRANULARITY: granularity('image'),
  // An unchanged finding is imported again once its last import is this many days old, so that
  // Security Hub (which deletes a finding 90 days after its last update) keeps it.
  KEEP_ALIVE_DAYS: z.pipe(
    z._default(
      z.string().check(
        z.regex(/^\d{1,2}$/, 'KEEP_ALIVE_DAYS must be a whole number of days from 0 to 89'),
        z.refine(
          (value) => Number(value) < 90,
          'KEEP_ALIVE_DAYS must be a whole number of days from 0 to 89',
        ),
      ),
      String(DEFAULT_KEEP_ALIVE_DAYS),
    ),
    z.transform((value: string) => Number(value)),
  ),
});

const OnImageActionEnv = z.object(common);

const OnCustomActionEnv = z.object({
  ...common,
  BLOCK_ACTION_ARN: actionArn('BLOCK_ACTION_ARN'),
  UNBLOCK_ACTION_ARN: actionArn('UNBLOCK_ACTION_ARN'),
  SEVERITY_THRESHOLD: z._default(z.enum(SEVERITY_LABELS), 'HIGH'),
  EXEMPT_PRINCIPAL_ARNS: z.pipe(
    z._default(z.string(), ''),
    z.transform((value: string) =>
      value
        .split(',')
        .map((arn) => arn.trim())
        .filter((arn) => arn.length > 0),
    ),
  ),
});

const OnFindingImportedEnv = z.object({
  ...common,
  SEVERITY_THRESHOLD: z._default(z.enum(SEVERITY_LABELS), 'HIGH'),
  EXEMPT_PRINCIPAL_ARNS: OnCustomActionEnv.shape.EXEMPT_PRINCIPAL_ARNS,
  // "true": block, without a person, when a finding at or above the threshold is imported and
  // ECR's own scan of its image confirms it (the construct's autoRemediation).
  AUTO_REMEDIATION: flag('AUTO_REMEDIATION'),
  // "true": on the same events, remove our block when ECR's scans of every image of the repository
  // and Amazon Inspector's findings show nothing at or above the threshold (autoUnblock).
  AUTO_UNBLOCK: flag('AUTO_UNBLOCK'),
});

/** Configuration of the on-image-scan handler. */
export type OnImageScanConfig = z.output<typeof OnImageScanEnv>;
/** Configuration of the on-image-action handler. */
export type OnImageActionConfig = z.output<typeof OnImageActionEnv>;
/** Configuration of the on-custom-action handler. */
export type OnCustomActionConfig = z.output<typeof OnCustomActionEnv>;
/** Configuration of the on-finding-imported handler (automatic remediation). */
export type OnFindingImportedConfig = z.output<typeof OnFindingImportedEnv>;

function load<S extends z.ZodMiniType>(
  schema: S,
  env: Record<string, string | undefined>,
  handler: string,
): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = issue ? formatPath(issue.path) : '';
  const message = issue?.message.includes(name) ? issue.message : `${name}: ${issue?.message}`;
  throw new ConfigurationError(`invalid configuration of ${handler}: ${message}`);
}

/** Reads and validates the on-image-scan handler's environment. */
export function loadOnImageScanConfig(env: Record<string, string | undefined>): OnImageScanConfig {
  return load(OnImageScanEnv, env, 'on-image-scan');
}

/** Reads and validates the on-image-action handler's environment. */
export function loadOnImageActionConfig(env: Record<string, string | undefined>): OnImageActionConfig {
  return load(OnImageActionEnv, env, 'on-image-action');
}

/** Reads and validates the on-custom-action handler's environment. */
export function loadOnCustomActionConfig(env: Record<string, string | undefined>): OnCustomActionConfig {
  const config = load(OnCustomActionEnv, env, 'on-custom-action');
  if (config.BLOCK_ACTION_ARN === config.UNBLOCK_ACTION_ARN) {
    throw new ConfigurationError(
      'invalid configuration of on-custom-action: BLOCK_ACTION_ARN and UNBLOCK_ACTION_ARN must differ',
    );
  }
  try {
    validateExemptPrincipals(config.EXEMPT_PRINCIPAL_ARNS);
  } catch (error) {
    throw new ConfigurationError(
      `invalid configuration of on-custom-action: EXEMPT_PRINCIPAL_ARNS: ${(error as Error).message.replace(/^exemptPrincipalArns/, 'entry ')}`,
    );
  }
  return config;
}

/** Reads and validates the on-finding-imported handler's environment. */
export function loadOnFindingImportedConfig(
  env: Record<string, string | undefined>,
): OnFindingImportedConfig {
  const config = load(OnFindingImportedEnv, env, 'on-finding-imported');
  try {
    validateExemptPrincipals(config.EXEMPT_PRINCIPAL_ARNS);
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
