/**
 * The small fixed set of refusal reasons that metrics and "Block Refused" events carry. A refusal's
 * full reason is free text (it names ARNs, accounts, severities); a metric dimension must not be,
 * or every ARN would start a new series.
 */
export const REFUSAL_REASONS = [
  'invalid-finding',
  'not-ours',
  'other-account',
  'other-region',
  'not-a-repository',
  'below-threshold',
  'archived',
  'suppressed',
  'other',
] as const;

/** One of {@link REFUSAL_REASONS}. */
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

// First match wins; the order matters where a reason names several things (an account's region).
const RULES: ReadonlyArray<readonly [RegExp, RefusalReason]> = [
  [/^invalid finding|no valid AwsAccountId|not a 12-digit account id/, 'invalid-finding'],
  [/^not a finding of|cannot be checked against ECR's own scan/, 'not-ours'],
  [/suppressed/, 'suppressed'],
  [/archived/, 'archived'],
  [
    /below the threshold|does not ask for a block|shows nothing at or above|does not confirm the finding/,
    'below-threshold',
  ],
  [
    /^region .* is not deployed|several regions|in region|another region|not in this region|region /,
    'other-region',
  ],
  [/account/, 'other-account'],
  [/resource|repository|image|ProductFields/, 'not-a-repository'],
];

/**
 * The reason code of a refusal's text.
 *
 * @example
 * refusalReasonOf('severity MEDIUM is below the threshold HIGH'); // 'below-threshold'
 */
export function refusalReasonOf(reason: string): RefusalReason {
  for (const [pattern, code] of RULES) if (pattern.test(reason)) return code;
  return 'other';
}
