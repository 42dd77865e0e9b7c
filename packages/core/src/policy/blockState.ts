/**
 * What a repository policy says about this tool's block, for a report (`ecr-compliance status`):
 * blocked or not, with the exempt principals; or why it cannot be told (a policy that cannot be
 * read, a statement that only borrows our Sid). Never throws for a bad policy: a report lists it.
 */
import { PolicyConflictError, PolicyUnreadableError } from '../errors.js';
import { findOurStatement } from './ourStatement.js';
import { type PolicyStatement, parsePolicy } from './policyDocument.js';

/** The block state of one repository policy (see {@link blockStateOf}). */
export type BlockState =
  | { readonly state: 'not blocked' }
  | {
      readonly state: 'blocked';
      /** Principals that keep pull access (`ArnNotLike` on `aws:PrincipalArn`); empty when none. */
      readonly exemptPrincipalArns: readonly string[];
    }
  | {
      /** `unreadable`: the policy is no JSON policy document; `conflict`: a statement borrows our Sid. */
      readonly state: 'unreadable' | 'conflict';
      readonly reason: string;
    };

/** The exempt principals of our statement, as written. */
function exemptPrincipalsOf(statement: PolicyStatement): string[] {
  const condition = statement.Condition as
    | { ArnNotLike?: { 'aws:PrincipalArn'?: string | string[] } }
    | undefined;
  const values = condition?.ArnNotLike?.['aws:PrincipalArn'];
  if (values === undefined) return [];
  return typeof values === 'string' ? [values] : [...values];
}

/**
 * Reads the block state of a repository policy (`null`: the repository has none).
 *
 * @example blockStateOf(blockPolicy(null, { exemptPrincipalArns: [role] }).policyText)
 *   // { state: 'blocked', exemptPrincipalArns: [role] }
 */
export function blockStateOf(policyText: string | null | undefined): BlockState {
  try {
    const policy = parsePolicy(policyText);
    const statements = policy?.Statement ?? [];
    const index = findOurStatement(statements);
    if (index < 0) return { state: 'not blocked' };
    return {
      state: 'blocked',
      exemptPrincipalArns: exemptPrincipalsOf(statements[index] as PolicyStatement),
    };
  } catch (error) {
    if (error instanceof PolicyUnreadableError) return { state: 'unreadable', reason: error.message };
    if (error instanceof PolicyConflictError) return { state: 'conflict', reason: error.message };
    throw error;
  }
}
