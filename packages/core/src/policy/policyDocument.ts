/**
 * Reading and writing an ECR repository policy document (AWS-FACTS §6): parse the text without
 * losing anything, serialize it within ECR's size limit, counted as ECR counts it.
 */
import { PolicyTooLargeError, PolicyUnreadableError } from '../errors.js';

/**
 * SetRepositoryPolicy's limit on `policyText`. The API model gives the string a length of at
 * most 10,240, and a Smithy string's length is its number of Unicode scalar values (code points):
 * neither UTF-8 bytes nor JavaScript's UTF-16 code units. See {@link policyLength}.
 */
export const MAX_POLICY_LENGTH = 10_240;

/** A policy statement; we read only what we must and keep the rest untouched. */
export type PolicyStatement = Readonly<Record<string, unknown>>;

/** A repository policy document with `Statement` normalized to an array. */
export interface PolicyDocument {
  readonly Version?: unknown;
  readonly Statement: readonly PolicyStatement[];
  readonly [key: string]: unknown;
}

/**
 * The length of a policy text as ECR counts it against {@link MAX_POLICY_LENGTH}: Unicode code
 * points. `"é"` is 1 (2 UTF-8 bytes), `"😀"` is 1 (2 UTF-16 code units, 4 UTF-8 bytes).
 *
 * @example policyLength('{"Sid":"😀"}') // 11, where '{"Sid":"😀"}'.length is 12
 */
export function policyLength(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
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

/**
 * Serializes a document for SetRepositoryPolicy: indented when that fits, compact otherwise.
 *
 * @throws PolicyTooLargeError when even the compact text is over {@link MAX_POLICY_LENGTH} code points
 */
export function serializePolicy(policy: PolicyDocument): string {
  const pretty = JSON.stringify(policy, null, 2);
  if (policyLength(pretty) <= MAX_POLICY_LENGTH) return pretty;
  const compact = JSON.stringify(policy);
  const length = policyLength(compact);
  if (length > MAX_POLICY_LENGTH) throw new PolicyTooLargeError(length, MAX_POLICY_LENGTH);
  return compact;
}
