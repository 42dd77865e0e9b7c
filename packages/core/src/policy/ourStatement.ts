/**
 * This tool's Deny statement, and how it is told apart from everyone else's: by its whole shape,
 * never by its Sid alone. A statement that carries our Sid with other content belongs to someone
 * else (an organization perimeter, a partner's grant); replacing or deleting it would change who
 * may reach the repository, so it is a conflict that stops block and unblock.
 */
import { PolicyConflictError } from '../errors.js';
import { type ExemptionOptions, validateExemptPrincipals } from './exemptPrincipals.js';
import type { PolicyStatement } from './policyDocument.js';

/** The Sid of our statement; IAM allows only letters and digits in a Sid. */
export const BLOCK_STATEMENT_SID = 'EcrComplianceDenyPull';

/** AWS's own deny-pull pair. `ecr:BatchCheckLayerAvailability` stays allowed: pushes of the fixed image need it. */
export const DENIED_PULL_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] as const;

const OUR_KEYS = new Set(['Sid', 'Effect', 'Principal', 'Action', 'Condition']);
const MAX_SHOWN = 120;

/**
 * The Deny statement that blocks pulls, with exempt principals (checked with
 * {@link validateExemptPrincipals}) in an `ArnNotLike` condition on `aws:PrincipalArn`.
 *
 * @throws InvalidInputError when an exempt principal cannot be exempt
 */
export function blockStatement(
  exemptPrincipalArns: readonly string[] = [],
  options: ExemptionOptions = {},
): PolicyStatement {
  const exempt = validateExemptPrincipals(exemptPrincipalArns, options);
  return {
    Sid: BLOCK_STATEMENT_SID,
    Effect: 'Deny',
    Principal: '*',
    Action: [...DENIED_PULL_ACTIONS],
    ...(exempt.length > 0 ? { Condition: { ArnNotLike: { 'aws:PrincipalArn': exempt } } } : {}),
  };
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const onlyKey = (value: Record<string, unknown>, key: string) =>
  Object.keys(value).length === 1 && Object.hasOwn(value, key);

function isOurCondition(condition: unknown): boolean {
  if (!isObject(condition) || !onlyKey(condition, 'ArnNotLike')) return false;
  const operator = condition.ArnNotLike;
  if (!isObject(operator) || !onlyKey(operator, 'aws:PrincipalArn')) return false;
  const values = operator['aws:PrincipalArn'];
  if (typeof values === 'string') return true;
  return Array.isArray(values) && values.length > 0 && values.every((v) => typeof v === 'string');
}

/**
 * Why a statement that carries our Sid is not ours, or undefined when it has our whole shape:
 * Effect `Deny`, Principal `*`, exactly our two actions (in either order), and either no
 * Condition or only `ArnNotLike` on `aws:PrincipalArn` (the exempt principals), nothing else.
 */
export function whyNotOurs(statement: PolicyStatement): string | undefined {
  if (statement.Sid !== BLOCK_STATEMENT_SID) return `its Sid is ${shown(statement.Sid)}`;
  const extra = Object.keys(statement).find((key) => !OUR_KEYS.has(key));
  if (extra !== undefined) return `it has ${extra}, which this tool never writes`;
  if (statement.Effect !== 'Deny') return `its Effect is ${shown(statement.Effect)}, not "Deny"`;
  if (statement.Principal !== '*') return `its Principal is ${shown(statement.Principal)}, not "*"`;
  const action = statement.Action;
  const ours =
    Array.isArray(action) &&
    action.length === DENIED_PULL_ACTIONS.length &&
    DENIED_PULL_ACTIONS.every((a) => action.includes(a));
  if (!ours) {
    return `its Action is ${shown(action)}, not exactly ${DENIED_PULL_ACTIONS.join(' and ')}`;
  }
  if (statement.Condition !== undefined && !isOurCondition(statement.Condition)) {
    return `its Condition is ${shown(statement.Condition)}, not only ArnNotLike on aws:PrincipalArn`;
  }
  return undefined;
}

/** True when the statement is ours: our Sid and our whole shape ({@link whyNotOurs}). */
export function isOurStatement(statement: PolicyStatement): boolean {
  return whyNotOurs(statement) === undefined;
}

/**
 * The index of our statement in `statements`, or -1 when there is none.
 *
 * @throws PolicyConflictError when a statement carries our Sid but not our shape, or when two or
 *   more statements carry our Sid (they are never merged into one)
 */
export function findOurStatement(statements: readonly PolicyStatement[]): number {
  const withSid = statements.flatMap((s, i) => (s.Sid === BLOCK_STATEMENT_SID ? [i] : []));
  if (withSid.length > 1) {
    throw new PolicyConflictError(
      `${withSid.map((i) => `Statement[${i}]`).join(' and ')} have the Sid ${BLOCK_STATEMENT_SID}, which this tool gives one statement only; give the others another Sid`,
      withSid,
    );
  }
  const [index] = withSid;
  if (index === undefined) return -1;
  const why = whyNotOurs(statements[index] as PolicyStatement);
  if (why !== undefined) {
    throw new PolicyConflictError(
      `Statement[${index}] has the Sid ${BLOCK_STATEMENT_SID} but is not this tool's statement (${why}); give it another Sid`,
      [index],
    );
  }
  return index;
}
