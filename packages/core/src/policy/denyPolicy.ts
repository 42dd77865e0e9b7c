/**
 * The deny-policy engine: pure functions over an ECR repository policy document (AWS-FACTS §6).
 * Blocking adds (or updates in place) one Deny statement of ours; unblocking removes only it.
 * Every other statement, and the document's other keys and `Version`, are kept exactly.
 */
import { InvalidInputError, PolicyTooLargeError, PolicyUnreadableError } from '../errors.js';

/** The Sid of our statement; IAM allows only letters and digits in a Sid. */
export const BLOCK_STATEMENT_SID = 'EcrComplianceDenyPull';

/** AWS's own deny-pull pair. `ecr:BatchCheckLayerAvailability` stays allowed: pushes of the fixed image need it. */
export const DENIED_PULL_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] as const;

/** SetRepositoryPolicy's limit on `policyText`. */
export const MAX_POLICY_LENGTH = 10_240;

/** A policy statement; we read only what we must and keep the rest untouched. */
export type PolicyStatement = Readonly<Record<string, unknown>>;

/** A repository policy document with `Statement` normalized to an array. */
export interface PolicyDocument {
  readonly Version?: unknown;
  readonly Statement: readonly PolicyStatement[];
  readonly [key: string]: unknown;
}

/** Result of {@link blockPolicy} and {@link unblockPolicy}. */
export interface PolicyChange {
  /** Whether the document differs from the input (false: nothing to write). */
  readonly changed: boolean;
  /** The new document, or null when the repository should have no policy at all. */
  readonly policy: PolicyDocument | null;
  /** The text to write with SetRepositoryPolicy (null: DeleteRepositoryPolicy, or nothing when unchanged). */
  readonly policyText: string | null;
}

/** Options of {@link blockPolicy}. */
export interface BlockOptions {
  /**
   * IAM principal ARNs (wildcards allowed) that keep pull access: a break-glass role, the
   * pipeline that pushes the fix. Written as `ArnNotLike` on `aws:PrincipalArn`.
   * @default []
   */
  readonly exemptPrincipalArns?: readonly string[];
}

// `aws:PrincipalArn` holds a role's ARN (never the session's), a user's, or the root user's; a
// group is never a principal. Wildcards are allowed: ArnNotLike matches them.
const PRINCIPAL_ARN = /^arn:aws(?:-cn|-us-gov)?:iam::(?:\d{12}|\*):(?:root|(?:role|user)\/[\w+=,.@\-/*?]+)$/;
const SESSION_ARN = /^arn:aws(?:-cn|-us-gov)?:sts::[\d*]+:assumed-role\/([^/]+)\//;

/**
 * Checks the exempt principal ARNs: IAM role, user or root ARNs, the forms `aws:PrincipalArn`
 * takes. A session ARN (`sts::…:assumed-role/ROLE/SESSION`) or a group ARN would never match,
 * so the principal would stay locked out: both are refused with a hint.
 */
export function validateExemptPrincipals(arns: readonly string[]): string[] {
  const out: string[] = [];
  arns.forEach((arn, i) => {
    const session = SESSION_ARN.exec(arn);
    if (session) {
      throw new InvalidInputError(
        `${JSON.stringify(arn)} is a session ARN, which aws:PrincipalArn never holds: exempt the role, arn:aws:iam::ACCOUNT:role/${session[1]}`,
        `exemptPrincipalArns[${i}]`,
      );
    }
    if (!PRINCIPAL_ARN.test(arn)) {
      throw new InvalidInputError(
        `not an IAM principal ARN: ${JSON.stringify(arn)} (expected e.g. arn:aws:iam::111122223333:role/breakglass)`,
        `exemptPrincipalArns[${i}]`,
      );
    }
    if (!out.includes(arn)) out.push(arn);
  });
  return out;
}

/** The Deny statement that blocks pulls, with exempt principals in its condition. */
export function blockStatement(exemptPrincipalArns: readonly string[] = []): PolicyStatement {
  const exempt = validateExemptPrincipals(exemptPrincipalArns);
  return {
    Sid: BLOCK_STATEMENT_SID,
    Effect: 'Deny',
    Principal: '*',
    Action: [...DENIED_PULL_ACTIONS],
    ...(exempt.length > 0 ? { Condition: { ArnNotLike: { 'aws:PrincipalArn': exempt } } } : {}),
  };
}

/**
 * Reads a repository policy. `undefined`/`null`/empty text means the repository has none.
 *
 * @throws PolicyUnreadableError when the text is not a JSON policy document with a Statement
 */
export function parsePolicy(text: string | null | undefined): PolicyDocument | null {
  if (text === null || text === undefined || text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PolicyUnreadableError(`not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PolicyUnreadableError('not a JSON object');
  }
  const doc = value as Record<string, unknown>;
  const statement = doc.Statement;
  if (statement === undefined) throw new PolicyUnreadableError('it has no Statement');
  const list = Array.isArray(statement) ? statement : [statement];
  list.forEach((s, i) => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) {
      throw new PolicyUnreadableError(`Statement[${i}] is not an object`);
    }
  });
  return { ...doc, Statement: list as PolicyStatement[] };
}

/** Serializes a document for SetRepositoryPolicy: indented when that fits, compact otherwise. */
export function serializePolicy(policy: PolicyDocument): string {
  const pretty = JSON.stringify(policy, null, 2);
  if (pretty.length <= MAX_POLICY_LENGTH) return pretty;
  const compact = JSON.stringify(policy);
  if (compact.length > MAX_POLICY_LENGTH) throw new PolicyTooLargeError(compact.length, MAX_POLICY_LENGTH);
  return compact;
}

const isOurs = (s: PolicyStatement) => s.Sid === BLOCK_STATEMENT_SID;

/** True when the policy holds our Deny statement. */
export function isBlocked(policy: PolicyDocument | null): boolean {
  return policy?.Statement.some(isOurs) ?? false;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Adds our Deny statement, or updates it in place. Idempotent.
 *
 * @param current the current policy text (null: the repository has none)
 * @throws PolicyUnreadableError when `current` cannot be read (it must not be overwritten)
 * @throws PolicyTooLargeError when the result would exceed 10,240 characters
 * @example blockPolicy(null).policyText // a policy with only the Deny statement
 */
export function blockPolicy(current: string | null | undefined, options: BlockOptions = {}): PolicyChange {
  const doc = parsePolicy(current);
  const ours = blockStatement(options.exemptPrincipalArns);
  const statements = doc?.Statement ?? [];
  const index = statements.findIndex(isOurs);
  let next: PolicyStatement[];
  if (index === -1) next = [...statements, ours];
  else next = statements.flatMap((s, i) => (i === index ? [ours] : isOurs(s) ? [] : [s]));
  const policy: PolicyDocument = doc
    ? { ...doc, Statement: next }
    : { Version: '2012-10-17', Statement: next };
  const changed = doc === null || !sameJson(doc.Statement, next);
  if (!changed) return { changed: false, policy: doc, policyText: null };
  return { changed: true, policy, policyText: serializePolicy(policy) };
}

/**
 * Removes our Deny statement and nothing else. Idempotent. When no statement is left the
 * repository should have no policy: `policy` is null.
 *
 * @throws PolicyUnreadableError when `current` cannot be read
 */
export function unblockPolicy(current: string | null | undefined): PolicyChange {
  const doc = parsePolicy(current);
  if (!doc?.Statement.some(isOurs)) return { changed: false, policy: doc, policyText: null };
  const next = doc.Statement.filter((s) => !isOurs(s));
  if (next.length === 0) return { changed: true, policy: null, policyText: null };
  const policy: PolicyDocument = { ...doc, Statement: next };
  return { changed: true, policy, policyText: serializePolicy(policy) };
}
