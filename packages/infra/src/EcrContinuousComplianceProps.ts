import {
  DEFAULT_BLOCK_ACTION as DEFAULT_BLOCK_ACTION_REFERENCE,
  DEFAULT_ENHANCED_FINDING_GRANULARITY,
  DEFAULT_FINDING_GRANULARITY,
  FINDING_GRANULARITIES,
  type FindingGranularity,
  InvalidInputError,
  resolveCustomActionReference,
  resolveFindingGranularity,
  resolveKeepAliveDays,
  resolveSeverityThreshold,
  SEVERITY_LABELS,
  type SeverityLabel,
  validateExemptPrincipals,
} from '@ecr-compliance/core';
import { RemovalPolicy, Token } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { InvalidPropsError } from './errors.js';
import type { ExceptionsOptions } from './exceptions.js';
import type { NotificationsOptions } from './notifications.js';
import type { OrganizationOptions } from './organization/OrganizationOptions.js';

/** Security Hub severity labels, lowest first (the core's {@link SEVERITY_LABELS}). */
export const SEVERITY_THRESHOLDS = SEVERITY_LABELS;
/** A Security Hub severity label used as the lowest severity that may be blocked. */
export type SeverityThreshold = SeverityLabel;

/** What `on-image-scan` imports: one finding per vulnerability, one per image, or both (the core's list). */
export { FINDING_GRANULARITIES, type FindingGranularity };

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

/**
 * Which repositories the block and unblock actions may write the policy of. Give one of the two;
 * leave the property out for every repository of the account and Region.
 */
export interface BlockableRepositories {
  /**
   * Only repositories that carry this tag: the function's `ecr:SetRepositoryPolicy` and
   * `ecr:DeleteRepositoryPolicy` are allowed under the condition `aws:ResourceTag/<key>` equals
   * `<value>` (compared exactly). Whoever may tag a repository can then make it blockable.
   */
  readonly tag?: { readonly key: string; readonly value: string };
  /**
   * Only repositories whose name begins with one of these prefixes (`team-a/`, `prod-`): the two
   * actions are allowed on `repository/<prefix>*` only. Lowercase letters, digits, `.`, `_`, `-`
   * and `/`, as ECR repository names.
   */
  readonly namePrefixes?: readonly string[];
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
   * Which repositories blocking may change the policy of. Blocking a repository outside the scope
   * fails with AccessDenied from ECR and changes nothing.
   *
   * @default - every repository of the account and Region
   */
  readonly blockableRepositories?: BlockableRepositories;
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
  /**
   * Create Security Hub insights over this tool's findings: images by active CRITICAL and HIGH
   * vulnerabilities, vulnerabilities with a fix available, and the repositories blocked now (image
   * findings with the block mark; see docs/insights.md). An account holds at most 100 custom insights.
   *
   * @default true
   */
  readonly insights?: boolean;
  /**
   * Notify an SNS topic of blocks, releases and new CRITICAL vulnerabilities (the handlers' domain
   * events, docs/events.md). `true` creates a topic encrypted with a new KMS key; pass options to
   * bring your own topic or leave out the CRITICAL findings.
   *
   * @default - no topic and no rules (the events are still put on the default bus)
   */
  readonly notifications?: boolean | NotificationsOptions;
  /**
   * Create the CloudWatch dashboard (docs/metrics.md). The alarms are created either way.
   *
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * The organization shape: this is the central stack in the Security Hub delegated administrator
   * account. Scans and deletions arrive on a central event bus from the member footprint
   * (`EcrComplianceMember`), and each function acts in a member account through that account's
   * role (docs/organization.md).
   *
   * @default - the single-account shape: this account and Region only
   */
  readonly organization?: OrganizationOptions;
  /**
   * Exceptions that expire (docs/exceptions.md): an encrypted DynamoDB table with point-in-time
   * recovery, a daily schedule that ends them, and the grants that let the scan function suppress
   * the findings they cover. Off unless given.
   *
   * @default none
   */
  readonly exceptions?: ExceptionsOptions;
}

/** {@link BlockableRepositories} checked: every repository, a tag, or name prefixes. */
export type ResolvedBlockableRepositories =
  | { readonly kind: 'any' }
  | { readonly kind: 'tag'; readonly key: string; readonly value: string }
  | { readonly kind: 'namePrefixes'; readonly prefixes: readonly string[] };

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
  readonly blockableRepositories: ResolvedBlockableRepositories;
  readonly logRetention: RetentionDays;
  readonly logLevel: LogLevel;
  readonly autoRemediation: boolean;
  readonly autoUnblock: boolean;
  readonly removalPolicy: RemovalPolicy;
  readonly insights: boolean;
}

/** Default block action, as in the original AWS sample (Id `ECR1`): the core's, with a description. */
export const DEFAULT_BLOCK_ACTION: Required<CustomActionOptions> = {
  ...DEFAULT_BLOCK_ACTION_REFERENCE,
  description: "Adds a Deny statement for image pulls to the policy of the finding's ECR repository",
};

/** Default unblock action. */
export const DEFAULT_UNBLOCK_ACTION: Required<CustomActionOptions> = {
  id: 'ECR2',
  name: 'Unblock ECR pulls',
  description: "Removes this tool's Deny statement from the policy of the finding's ECR repository",
};

// CreateActionTarget: Description is required, 1 to 256 characters (AWS-FACTS §5.1); the Id and
// name rules are the core's.
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

/** The core's resolver, its refusal as an InvalidPropsError that names the property. */
function fromCore<T>(resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    if (error instanceof InvalidInputError) {
      const prefix = `${error.path}: `;
      throw new InvalidPropsError(
        error.path,
        error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message,
      );
    }
    throw error;
  }
}

function resolveAction(
  property: string,
  options: CustomActionOptions | undefined,
  fallback: Required<CustomActionOptions>,
): Required<CustomActionOptions> {
  if (options === undefined) return fallback;
  const { id, name } = options;
  const description = options.description ?? fallback.description;
  // A token is checked by CloudFormation at deployment; a literal here, by the core's rule.
  fromCore(() =>
    resolveCustomActionReference(
      {
        id: Token.isUnresolved(id) ? fallback.id : id,
        name: Token.isUnresolved(name) ? fallback.name : name,
      },
      fallback,
      property,
    ),
  );
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

// ECR tags (TagResource): key 1 to 128 characters, value 0 to 256, of letters, digits, spaces and
// + - = . _ : / @; keys that begin with "aws:" are reserved for AWS.
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}+\-=._:/@]*$/u;
const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;
// ECR repository names: (?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*, 2 to 256
// characters. A prefix is the start of one, so it may end in a separator ("team-a/", "prod-").
const NAME_PREFIX = /^[a-z0-9](?:[a-z0-9._/-]*)$/;
const MAX_NAME_PREFIX = 255;
const MAX_NAME_PREFIXES = 20;

function resolveBlockableRepositories(
  scope: BlockableRepositories | undefined,
): ResolvedBlockableRepositories {
  if (scope === undefined) return { kind: 'any' };
  const { tag, namePrefixes } = scope;
  if ((tag === undefined) === (namePrefixes === undefined)) {
    throw new InvalidPropsError(
      'blockableRepositories',
      'give either tag or namePrefixes (leave the property out to allow every repository)',
    );
  }
  if (tag !== undefined) {
    const { key, value } = tag;
    if (Token.isUnresolved(key)) {
      throw new InvalidPropsError(
        'blockableRepositories.tag.key',
        'must be a literal: it becomes part of an IAM condition key',
      );
    }
    if (key.length === 0 || key.length > MAX_TAG_KEY || !TAG_TEXT.test(key) || /^aws:/i.test(key)) {
      throw new InvalidPropsError(
        'blockableRepositories.tag.key',
        `'${key}' must be 1 to ${MAX_TAG_KEY} letters, digits, spaces or + - = . _ : / @, and not begin with aws:`,
      );
    }
    if (!Token.isUnresolved(value) && (value.length > MAX_TAG_VALUE || !TAG_TEXT.test(value))) {
      throw new InvalidPropsError(
        'blockableRepositories.tag.value',
        `'${value}' must be 0 to ${MAX_TAG_VALUE} letters, digits, spaces or + - = . _ : / @`,
      );
    }
    return { kind: 'tag', key, value };
  }
  const prefixes = [...new Set(namePrefixes)];
  if (prefixes.length === 0 || prefixes.length > MAX_NAME_PREFIXES) {
    throw new InvalidPropsError(
      'blockableRepositories.namePrefixes',
      `must list 1 to ${MAX_NAME_PREFIXES} prefixes, it lists ${prefixes.length}`,
    );
  }
  for (const [index, prefix] of prefixes.entries()) {
    if (
      Token.isUnresolved(prefix) ||
      prefix.length > MAX_NAME_PREFIX ||
      !NAME_PREFIX.test(prefix) ||
      /[._/-]{2}/.test(prefix)
    ) {
      throw new InvalidPropsError(
        `blockableRepositories.namePrefixes[${index}]`,
        `'${prefix}' must be the literal start of an ECR repository name: lowercase letters and digits, single . _ - or / between them, no wildcard`,
      );
    }
  }
  return { kind: 'namePrefixes', prefixes };
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
  const findingGranularity = fromCore(() =>
    resolveFindingGranularity(props.findingGranularity, DEFAULT_FINDING_GRANULARITY, 'findingGranularity'),
  );
  const enhancedFindingGranularity = fromCore(() =>
    resolveFindingGranularity(
      props.enhancedFindingGranularity,
      DEFAULT_ENHANCED_FINDING_GRANULARITY,
      'enhancedFindingGranularity',
    ),
  );
  // A plain number (a token is refused): the function checks the same rule at cold start.
  const keepAliveDays = fromCore(() => resolveKeepAliveDays(props.keepAliveDays, 'keepAliveDays'));
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
    severityThreshold: fromCore(() => resolveSeverityThreshold(props.severityThreshold, 'severityThreshold')),
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
    blockableRepositories: resolveBlockableRepositories(props.blockableRepositories),
    logRetention: props.logRetention ?? RetentionDays.ONE_YEAR,
    logLevel: oneOf('logLevel', props.logLevel, LOG_LEVELS, 'INFO'),
    autoRemediation,
    autoUnblock,
    insights: props.insights ?? true,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
  };
}
