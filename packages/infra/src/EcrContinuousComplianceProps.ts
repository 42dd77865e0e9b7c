import { validateExemptPrincipals } from '@ecr-compliance/core';
import { RemovalPolicy, Token } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { InvalidPropsError } from './errors.js';

/** Security Hub severity labels, lowest first. */
export const SEVERITY_THRESHOLDS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
/** A Security Hub severity label used as the lowest severity that may be blocked. */
export type SeverityThreshold = (typeof SEVERITY_THRESHOLDS)[number];

/** What `on-image-scan` imports: one finding per vulnerability, one per image, or both. */
export const FINDING_GRANULARITIES = ['vulnerability', 'image', 'both'] as const;
/** See {@link FINDING_GRANULARITIES}. */
export type FindingGranularity = (typeof FINDING_GRANULARITIES)[number];

/** Log levels understood by Powertools for AWS Lambda (`POWERTOOLS_LOG_LEVEL`). */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
/** See {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A Security Hub custom action (`AWS::SecurityHub::ActionTarget`). */
export interface CustomActionOptions {
  /**
   * The action's Id: 1 to 20 letters and digits, unique in the account and Region. It is the last
   * part of the action's ARN (`arn:aws:securityhub:<region>:<account>:action/custom/<Id>`), and
   * changing it replaces the action.
   */
  readonly id: string;
  /** The name shown in the Security Hub console under Actions: 1 to 19 characters. */
  readonly name: string;
  /**
   * The description shown in the Security Hub console: 1 to 256 characters.
   *
   * @default - the default action's description, a sentence that says what it does
   */
  readonly description?: string;
}

/** Properties of {@link EcrContinuousCompliance}. Every property is optional. */
export interface EcrContinuousComplianceProps {
  /**
   * Lowest finding severity the block action acts on; the function refuses to block a repository
   * from a finding below it.
   *
   * @default 'HIGH'
   */
  readonly severityThreshold?: SeverityThreshold;
  /**
   * IAM principal ARNs that can still pull from a blocked repository, such as a break-glass role.
   * Each names one account (12 digits) and one principal of it: `root`, `role/[PATH/]NAME` or
   * `user/[PATH/]NAME`, in the stack's partition. Wildcards only with `allowBroadExemptions`.
   * Unresolved tokens (e.g. `role.roleArn`) are accepted here and checked by the function at
   * cold start.
   *
   * @default [] - nobody is exempt
   */
  readonly exemptPrincipalArns?: readonly string[];
  /**
   * Accept `*` and `?` in an exempt role's path or name after a non-empty prefix, such as
   * `arn:aws:iam::111122223333:role/breakglass-*`: every role that matches keeps pull access to
   * blocked repositories, so the synthesis warns. Catch-alls (`*`, an account `*`, `role/*`,
   * `user/*`) are refused even so.
   *
   * @default false
   */
  readonly allowBroadExemptions?: boolean;
  /**
   * Which findings `on-image-scan` imports: one per vulnerability, one per image, or both.
   *
   * @default 'both'
   */
  readonly findingGranularity?: FindingGranularity;
  /**
   * Which findings `on-image-scan` imports for an image scanned by enhanced scanning (Amazon
   * Inspector, "Inspector2 Scan" events). Inspector already sends its own finding per
   * vulnerability to Security Hub, so by default only this tool's image finding (counts, highest
   * severity, the hook for blocking and automatic remediation) is imported, to avoid duplicates.
   *
   * @default 'image'
   */
  readonly enhancedFindingGranularity?: FindingGranularity;
  /**
   * Days after which `on-image-scan` imports an unchanged finding again, so that Security Hub,
   * which deletes a finding 90 days after its last update, keeps it while the image is scanned at
   * least every `90 - keepAliveDays` days. Changed findings are imported on every scan; 0 imports
   * every finding on every scan. A whole number from 0 to 89.
   *
   * @default 30
   */
  readonly keepAliveDays?: number;
  /**
   * The custom action that blocks pulls from the finding's repository.
   *
   * @default { id: 'ECR1', name: 'Block ECR pulls' } - the Id of the original AWS sample
   */
  readonly blockAction?: CustomActionOptions;
  /**
   * The custom action that removes the block again.
   *
   * @default { id: 'ECR2', name: 'Unblock ECR pulls' }
   */
  readonly unblockAction?: CustomActionOptions;
  /**
   * How long the functions' logs are kept.
   *
   * @default RetentionDays.ONE_YEAR
   */
  readonly logRetention?: RetentionDays;
  /**
   * Powertools log level of both functions.
   *
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * Block repositories without a person's decision: a rule on "Security Hub Findings - Imported"
   * sends every active image finding of this tool at or above `severityThreshold` to the
   * remediation function, which blocks its repository (findings a person suppressed are left
   * alone; the audit note records each change). Off, a person decides from Security Hub, as in the
   * original sample. Needs image findings: `findingGranularity` 'vulnerability' is refused with it.
   *
   * @default false
   */
  readonly autoRemediation?: boolean;
  /**
   * Remove a block without a person's decision: when an image finding of this tool no longer asks
   * for a block (archived because the image was deleted or the vulnerabilities were fixed,
   * suppressed by a person, or below `severityThreshold` after a re-scan), every image the
   * repository still holds has an active image finding of this tool below the threshold, and no
   * active, unsuppressed finding of this tool or of Amazon Inspector about them is at or above it,
   * the function removes this tool's Deny statement (only it) and notes why on the finding. Works
   * with or without `autoRemediation`. Needs image findings for every scanning: a granularity of
   * 'vulnerability' is refused with it.
   *
   * @default false
   */
  readonly autoUnblock?: boolean;
  /**
   * What happens to the idempotency table and the log groups when the construct is removed from
   * the stack or the stack is destroyed. Findings live in Security Hub and idempotency records
   * expire within hours, so nothing needs to outlive the pipeline by default.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** {@link EcrContinuousComplianceProps} with every default applied and every value checked. */
export interface ResolvedEcrContinuousComplianceProps {
  readonly severityThreshold: SeverityThreshold;
  readonly exemptPrincipalArns: readonly string[];
  readonly allowBroadExemptions: boolean;
  readonly findingGranularity: FindingGranularity;
  readonly enhancedFindingGranularity: FindingGranularity;
  readonly keepAliveDays: number;
  readonly blockAction: Required<CustomActionOptions>;
  readonly unblockAction: Required<CustomActionOptions>;
  readonly logRetention: RetentionDays;
  readonly logLevel: LogLevel;
  readonly autoRemediation: boolean;
  readonly autoUnblock: boolean;
  readonly removalPolicy: RemovalPolicy;
}

/** Default block action, as in the original AWS sample (Id `ECR1`). */
export const DEFAULT_BLOCK_ACTION: Required<CustomActionOptions> = {
  id: 'ECR1',
  name: 'Block ECR pulls',
  description: "Adds a Deny statement for image pulls to the policy of the finding's ECR repository",
};

/** Default unblock action. */
export const DEFAULT_UNBLOCK_ACTION: Required<CustomActionOptions> = {
  id: 'ECR2',
  name: 'Unblock ECR pulls',
  description: "Removes this tool's Deny statement from the policy of the finding's ECR repository",
};

// CreateActionTarget: Id "up to 20 alphanumeric characters"; Name "up to 20" (API) vs "fewer than 20"
// (console guide), so at most 19; Description is required (AWS-FACTS §5.1).
const ACTION_ID = /^[A-Za-z0-9]{1,20}$/;
const MAX_ACTION_NAME = 19;
const MAX_ACTION_DESCRIPTION = 256;
// Lambda limits all environment variables of a function to 4 KB together.
const MAX_EXEMPT_LIST_LENGTH = 2048;

function oneOf<T extends string>(
  property: string,
  value: T | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) {
    throw new InvalidPropsError(property, `'${String(value)}' is not one of ${allowed.join(', ')}`);
  }
  return value;
}

function resolveAction(
  property: string,
  options: CustomActionOptions | undefined,
  fallback: Required<CustomActionOptions>,
): Required<CustomActionOptions> {
  if (options === undefined) return fallback;
  const { id, name } = options;
  const description = options.description ?? fallback.description;
  if (!Token.isUnresolved(id) && !ACTION_ID.test(id)) {
    throw new InvalidPropsError(
      `${property}.id`,
      `'${id}' must be 1 to 20 letters or digits (Security Hub action Ids are alphanumeric)`,
    );
  }
  if (!Token.isUnresolved(name) && (name.trim().length === 0 || name.length > MAX_ACTION_NAME)) {
    throw new InvalidPropsError(
      `${property}.name`,
      `'${name}' must be 1 to ${MAX_ACTION_NAME} characters (Security Hub refuses longer names), it has ${name.length}`,
    );
  }
  if (
    !Token.isUnresolved(description) &&
    (description.trim().length === 0 || description.length > MAX_ACTION_DESCRIPTION)
  ) {
    throw new InvalidPropsError(
      `${property}.description`,
      `must be 1 to ${MAX_ACTION_DESCRIPTION} characters, it has ${description.length}`,
    );
  }
  return { id, name, description };
}

function resolveExemptPrincipals(
  arns: readonly string[] | undefined,
  options: { readonly region?: string; readonly allowBroadExemptions: boolean },
): readonly string[] {
  const unique = [...new Set(arns ?? [])];
  for (const [index, arn] of unique.entries()) {
    if (Token.isUnresolved(arn)) continue;
    if (arn.includes(',')) {
      throw new InvalidPropsError(
        `exemptPrincipalArns[${index}]`,
        `'${arn}' contains a comma; the list is passed to the function comma-separated`,
      );
    }
    // The function checks the same way at cold start; failing here fails the synthesis instead.
    try {
      validateExemptPrincipals([arn], options);
    } catch (error) {
      throw new InvalidPropsError(
        `exemptPrincipalArns[${index}]`,
        `'${arn}': ${(error as Error).message.replace(/^exemptPrincipalArns\[0\]: /, '')}`,
      );
    }
  }
  const length = unique.filter((arn) => !Token.isUnresolved(arn)).join(',').length;
  if (length > MAX_EXEMPT_LIST_LENGTH) {
    throw new InvalidPropsError(
      'exemptPrincipalArns',
      `the list is ${length} characters long; at most ${MAX_EXEMPT_LIST_LENGTH} fit in the function's environment`,
    );
  }
  return unique;
}

/**
 * Applies the documented defaults to {@link EcrContinuousComplianceProps} and checks every value and
 * combination, so that a setting AWS would refuse at deploy time (or a combination that cannot work)
 * fails the synthesis with a message that names the property.
 *
 * @param context the stack's Region, when known: exempt principals must be of its partition
 * @throws InvalidPropsError for the first property that cannot be used
 * @example
 * resolveProps({ severityThreshold: 'CRITICAL' }).blockAction.id; // 'ECR1'
 */
export function resolveProps(
  props: EcrContinuousComplianceProps = {},
  context: { readonly region?: string } = {},
): ResolvedEcrContinuousComplianceProps {
  const blockAction = resolveAction('blockAction', props.blockAction, DEFAULT_BLOCK_ACTION);
  const unblockAction = resolveAction('unblockAction', props.unblockAction, DEFAULT_UNBLOCK_ACTION);
  if (
    !Token.isUnresolved(blockAction.id) &&
    blockAction.id.toLowerCase() === unblockAction.id.toLowerCase()
  ) {
    throw new InvalidPropsError(
      'unblockAction.id',
      `'${unblockAction.id}' is also the block action's Id; the two actions need different Ids`,
    );
  }
  if (!Token.isUnresolved(blockAction.name) && blockAction.name.trim() === unblockAction.name.trim()) {
    throw new InvalidPropsError(
      'unblockAction.name',
      `'${unblockAction.name}' is also the block action's name; the console would show two identical actions`,
    );
  }
  const findingGranularity = oneOf(
    'findingGranularity',
    props.findingGranularity,
    FINDING_GRANULARITIES,
    'both',
  );
  const enhancedFindingGranularity = oneOf(
    'enhancedFindingGranularity',
    props.enhancedFindingGranularity,
    FINDING_GRANULARITIES,
    'image',
  );
  const keepAliveDays = props.keepAliveDays ?? 30;
  // A plain number: a token could not be checked here, and the function would stop at cold start.
  if (!(Number.isInteger(keepAliveDays) && keepAliveDays >= 0 && keepAliveDays < 90)) {
    throw new InvalidPropsError(
      'keepAliveDays',
      `${String(keepAliveDays)} must be a whole number of days from 0 to 89 (Security Hub deletes a finding 90 days after its last update)`,
    );
  }
  const autoRemediation = props.autoRemediation ?? false;
  const autoUnblock = props.autoUnblock ?? false;
  for (const [property, on] of [
    ['autoRemediation', autoRemediation],
    ['autoUnblock', autoUnblock],
  ] as const) {
    if (!on) continue;
    for (const [granularityProperty, granularity] of [
      ['findingGranularity', findingGranularity],
      ['enhancedFindingGranularity', enhancedFindingGranularity],
    ] as const) {
      if (granularity === 'vulnerability') {
        throw new InvalidPropsError(
          property,
          `true needs the image findings it acts on, but ${granularityProperty} is 'vulnerability'; use 'image' or 'both'`,
        );
      }
    }
  }
  return {
    severityThreshold: oneOf('severityThreshold', props.severityThreshold, SEVERITY_THRESHOLDS, 'HIGH'),
    exemptPrincipalArns: resolveExemptPrincipals(props.exemptPrincipalArns, {
      ...(context.region !== undefined && !Token.isUnresolved(context.region)
        ? { region: context.region }
        : {}),
      allowBroadExemptions: props.allowBroadExemptions ?? false,
    }),
    allowBroadExemptions: props.allowBroadExemptions ?? false,
    findingGranularity,
    enhancedFindingGranularity,
    keepAliveDays,
    blockAction,
    unblockAction,
    logRetention: props.logRetention ?? RetentionDays.ONE_YEAR,
    logLevel: oneOf('logLevel', props.logLevel, LOG_LEVELS, 'INFO'),
    autoRemediation,
    autoUnblock,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
  };
}
