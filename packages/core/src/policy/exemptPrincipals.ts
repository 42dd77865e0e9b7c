/**
 * Exempt principals: who keeps pull access to a blocked repository. Each one is written as a
 * value of `ArnNotLike` on `aws:PrincipalArn`, so one too broad value (`role/*`, an account `*`)
 * would exempt every workload and the block would deny nothing.
 */
import { partitionOf } from '../asff/identity.js';
import { InvalidInputError } from '../errors.js';

/** Options of {@link validateExemptPrincipals}. */
export interface ExemptionOptions {
  /**
   * The Region of the repositories the policy is written to: every exempt ARN must be of its
   * partition (`aws`, `aws-cn`, `aws-us-gov`). Without it, any of the three is accepted.
   */
  readonly region?: string;
  /**
   * Accept `*` and `?` inside a role's path or name after a non-empty prefix, such as
   * `arn:aws:iam::111122223333:role/breakglass-*` or `…:role/ci/*`. Every role that matches
   * keeps pull access. Catch-alls (`*`, an account `*`, `role/*`, `user/*`) are refused even so.
   * @default false
   */
  readonly allowBroadExemptions?: boolean;
}

const PARTITIONS = new Set(['aws', 'aws-cn', 'aws-us-gov']);
const SESSION_ARN = /^arn:aws(?:-cn|-us-gov)?:sts::[\d*]+:assumed-role\/([^/]+)\//;
// `aws:PrincipalArn` holds a role's ARN (never the session's), a user's, or the root user's.
const IAM_ARN = /^arn:([^:]*):iam::([^:]*):(.*)$/;
// IAM's characters of a role or user name and of its path's segments, with ArnNotLike's wildcards.
const SEGMENT = /^[\w+=,.@*?-]+$/;
const WILDCARD = /[*?]/;
const MAX_NAME = 64;
const MAX_PATH = 512;

/** Why `arn` cannot be exempt, or undefined when it can. */
function problemOf(arn: string, options: ExemptionOptions): string | undefined {
  const quoted = JSON.stringify(arn);
  const session = SESSION_ARN.exec(arn);
  if (session) {
    return `${quoted} is a session ARN, which aws:PrincipalArn never holds: exempt the role, arn:aws:iam::ACCOUNT:role/${session[1]}`;
  }
  const parts = IAM_ARN.exec(arn);
  if (!parts) {
    return `not an IAM principal ARN: ${quoted} (expected e.g. arn:aws:iam::111122223333:role/breakglass)${arn.trim() === '*' ? '; * would exempt everyone' : ''}`;
  }
  const [, partition = '', account = '', resource = ''] = parts;
  if (!PARTITIONS.has(partition)) {
    return `${quoted} names the partition ${JSON.stringify(partition)}; expected aws, aws-cn or aws-us-gov`;
  }
  if (options.region !== undefined && partitionOf(options.region) !== partition) {
    return `${quoted} is in the partition ${partition}, but the Region ${options.region} is in ${partitionOf(options.region)}`;
  }
  if (!/^\d{12}$/.test(account)) {
    return `${quoted} must name one account by its 12 digits, not ${JSON.stringify(account)}`;
  }
  if (resource === 'root') return undefined;
  const kind = /^(role|user)\//.exec(resource)?.[1];
  if (!kind) {
    const hint = resource.startsWith('group/') ? '; a group is never a principal' : '';
    return `not an IAM principal ARN: ${quoted} (expected root, role/NAME or user/NAME after the account)${hint}`;
  }
  const segments = resource.slice(kind.length + 1).split('/');
  if (segments.some((segment) => segment === '')) {
    return `${quoted} has an empty path segment (${kind}//, a leading or a trailing /)`;
  }
  const bad = segments.find((segment) => !SEGMENT.test(segment));
  if (bad !== undefined) {
    return `${quoted} has a character IAM does not allow in ${JSON.stringify(bad)} (letters, digits and +=,.@_- only)`;
  }
  const name = segments.at(-1) ?? '';
  if (name.length > MAX_NAME) return `${quoted}: a ${kind} name has at most ${MAX_NAME} characters`;
  if (segments.join('/').length - name.length > MAX_PATH) {
    return `${quoted}: a ${kind} path has at most ${MAX_PATH} characters`;
  }
  const wildcard = resource.search(WILDCARD);
  if (wildcard === -1) return undefined;
  if (kind === 'user') {
    return `${quoted} has a wildcard: only a role's path or name may have one, a user is named exactly`;
  }
  if (wildcard === 'role/'.length) {
    return `${quoted} starts with a wildcard right after role/, so it matches roles of any path and name (role/* is every role); put a path or name prefix before the wildcard`;
  }
  if (!options.allowBroadExemptions) {
    return `${quoted} has a wildcard, so every matching role keeps pull access; name the role exactly, or allow broad exemptions explicitly (allowBroadExemptions)`;
  }
  return undefined;
}

/**
 * Checks the exempt principal ARNs and returns them without duplicates. Each names one account
 * (12 digits) and one principal of it: `root` (its root user), `role/[PATH/]NAME` or
 * `user/[PATH/]NAME`. A role's path or name may hold `*` or `?` after a non-empty prefix only when
 * `allowBroadExemptions` is on. Refused always: `*`, an account `*`, `role/*`, a wildcard in a
 * user, another partition than the Region's, empty path segments (`role//x`), session ARNs (which
 * `aws:PrincipalArn` never holds) and group ARNs (never a principal).
 *
 * @throws InvalidInputError for the first ARN that cannot be exempt, with `exemptPrincipalArns[i]` as path
 * @example validateExemptPrincipals(['arn:aws:iam::111122223333:role/breakglass'], { region: 'eu-west-1' })
 */
export function validateExemptPrincipals(arns: readonly string[], options: ExemptionOptions = {}): string[] {
  const out: string[] = [];
  arns.forEach((arn, i) => {
    const problem = problemOf(arn, options);
    if (problem !== undefined) throw new InvalidInputError(problem, `exemptPrincipalArns[${i}]`);
    if (!out.includes(arn)) out.push(arn);
  });
  return out;
}
