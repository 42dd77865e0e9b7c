/**
 * The deny-policy engine: pure functions over an ECR repository policy document (AWS-FACTS §6).
 * Blocking adds (or updates in place) one Deny statement of ours; unblocking removes only it.
 * Every other statement, and the document's other keys and `Version`, are kept exactly. Our
 * statement is recognised by its whole shape ({@link whyNotOurs}); a statement that only borrows
 * our Sid is a conflict, and both operations refuse it without producing anything to write.
 */
import type { ExemptionOptions } from './exemptPrincipals.js';
import { blockStatement, findOurStatement, isOurStatement } from './ourStatement.js';
import { type PolicyDocument, type PolicyStatement, parsePolicy, serializePolicy } from './policyDocument.js';

export { validateExemptPrincipals } from './exemptPrincipals.js';
// The use cases import these from here since before the engine was split into files.
export type { PolicyDocument } from './policyDocument.js';
export { parsePolicy } from './policyDocument.js';

/** Result of {@link blockPolicy} and {@link unblockPolicy}. */
export interface PolicyChange {
  /** Whether the document differs from the input (false: nothing to write). */
  readonly changed: boolean;
  /** The new document, or null when the repository should have no policy at all. */
  readonly policy: PolicyDocument | null;
  /** The text to write with SetRepositoryPolicy (null: DeleteRepositoryPolicy, or nothing when unchanged). */
  readonly policyText: string | null;
}

/** Options of {@link blockPolicy}: the exempt principals and how they are checked. */
export interface BlockOptions extends ExemptionOptions {
  /**
   * IAM principal ARNs that keep pull access: a break-glass role, the pipeline that pushes the
   * fix. Written as `ArnNotLike` on `aws:PrincipalArn`; checked by `validateExemptPrincipals`.
   * @default []
   */
  readonly exemptPrincipalArns?: readonly string[];
}

/**
 * True when the policy holds our Deny statement (our Sid and our whole shape). A statement that
 * only borrows our Sid does not count; {@link blockPolicy} and {@link unblockPolicy} refuse it.
 */
export function isBlocked(policy: PolicyDocument | null): boolean {
  return policy?.Statement.some(isOurStatement) ?? false;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Adds our Deny statement, or updates it in place. Idempotent.
 *
 * @param current the current policy text (null: the repository has none)
 * @throws PolicyUnreadableError when `current` cannot be read (it must not be overwritten)
 * @throws PolicyConflictError when a statement carries our Sid without being ours, or two do
 * @throws InvalidInputError when an exempt principal cannot be exempt
 * @throws PolicyTooLargeError when the result would exceed 10,240 characters (code points)
 * @example blockPolicy(null).policyText // a policy with only the Deny statement
 */
export function blockPolicy(current: string | null | undefined, options: BlockOptions = {}): PolicyChange {
  const doc = parsePolicy(current);
  const statements = doc?.Statement ?? [];
  const index = findOurStatement(statements);
  const ours = blockStatement(options.exemptPrincipalArns, options);
  const next: PolicyStatement[] =
    index === -1 ? [...statements, ours] : statements.map((s, i) => (i === index ? ours : s));
  const changed = doc === null || !sameJson(doc.Statement, next);
  if (!changed) return { changed: false, policy: doc, policyText: null };
  const policy: PolicyDocument = doc
    ? { ...doc, Statement: next }
    : { Version: '2012-10-17', Statement: next };
  return { changed: true, policy, policyText: serializePolicy(policy) };
}

/**
 * Removes our Deny statement and nothing else. Idempotent. When no statement is left the
 * repository should have no policy: `policy` is null.
 *
 * @throws PolicyUnreadableError when `current` cannot be read
 * @throws PolicyConflictError when a statement carries our Sid without being ours, or two do
 */
export function unblockPolicy(current: string | null | undefined): PolicyChange {
  const doc = parsePolicy(current);
  const index = doc ? findOurStatement(doc.Statement) : -1;
  if (!doc || index === -1) return { changed: false, policy: doc, policyText: null };
  const next = doc.Statement.filter((_, i) => i !== index);
  if (next.length === 0) return { changed: true, policy: null, policyText: null };
  const policy: PolicyDocument = { ...doc, Statement: next };
  return { changed: true, policy, policyText: serializePolicy(policy) };
}
