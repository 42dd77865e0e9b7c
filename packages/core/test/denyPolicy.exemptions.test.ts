import {
  BLOCK_STATEMENT_SID,
  blockPolicy,
  changeRepositoryPolicy,
  InvalidInputError,
  validateExemptPrincipals,
} from '@ecr-compliance/core';
import { describe, expect, it } from 'vitest';
import { InMemoryPolicies } from './support/fakes.js';

const account = '111122223333';
const conditionOf = (arns: string[], options = {}) =>
  blockPolicy(null, { exemptPrincipalArns: arns, ...options }).policy?.Statement.find(
    (s) => s.Sid === BLOCK_STATEMENT_SID,
  )?.Condition;

describe('exempt principals: one account, one principal', () => {
  it('accepts a role, a role with a path, a user and the root user of one account', () => {
    const arns = [
      `arn:aws:iam::${account}:role/ecr-breakglass`,
      `arn:aws:iam::${account}:role/ci/fix-pusher`,
      `arn:aws:iam::${account}:user/alice`,
      `arn:aws:iam::${account}:root`,
    ];
    expect(conditionOf(arns)).toEqual({ ArnNotLike: { 'aws:PrincipalArn': arns } });
  });

  it('drops duplicates and keeps the order', () => {
    const a = `arn:aws:iam::${account}:role/a`;
    const b = `arn:aws:iam::${account}:role/b`;
    expect(validateExemptPrincipals([b, a, b])).toEqual([b, a]);
  });

  // Catch-alls: refused even when broad exemptions are allowed.
  it.each([
    ['*', /not an IAM principal ARN: "\*".*\* would exempt everyone/],
    ['arn:aws:iam::*:role/*', /must name one account by its 12 digits, not "\*"/],
    ['arn:aws:iam::*:root', /must name one account by its 12 digits, not "\*"/],
    ['arn:aws:iam::*:user/*', /must name one account/],
    ['arn:aws:iam::11112222333?:role/x', /must name one account by its 12 digits, not "11112222333\?"/],
    ['arn:aws:iam::1111222233:role/x', /must name one account by its 12 digits/],
    [`arn:aws:iam::${account}:role/*`, /starts with a wildcard right after role\/.*role\/\* is every role/],
    [`arn:aws:iam::${account}:role/*-admin`, /starts with a wildcard right after role\//],
    [`arn:aws:iam::${account}:role/?*`, /starts with a wildcard/],
    [`arn:aws:iam::${account}:user/*`, /has a wildcard: only a role's path or name may have one/],
    [`arn:aws:iam::${account}:user/ci-*`, /has a wildcard: only a role's path or name may have one/],
    [`arn:aws:iam::${account}:*`, /not an IAM principal ARN.*expected root, role\/NAME or user\/NAME/],
    [`arn:*:iam::${account}:role/x`, /names the partition "\*"/],
    [`arn:aws:iam::${account}:role//x`, /has an empty path segment/],
    [`arn:aws:iam::${account}:role/ci//x`, /has an empty path segment/],
    [`arn:aws:iam::${account}:role/x/`, /has an empty path segment/],
    [`arn:aws:iam::${account}:role/`, /has an empty path segment/],
    [`arn:aws:iam::${account}:role/a b`, /has a character IAM does not allow in "a b"/],
    [`arn:aws:iam::${account}:group/admins`, /a group is never a principal/],
    [`arn:aws:iam::${account}:role/${'r'.repeat(65)}`, /a role name has at most 64 characters/],
    ['arn:aws:s3:::bucket', /not an IAM principal ARN/],
    [
      `arn:aws:sts::${account}:assumed-role/BreakGlass/alice`,
      /is a session ARN, which aws:PrincipalArn never holds: exempt the role, arn:aws:iam::ACCOUNT:role\/BreakGlass/,
    ],
  ])('refuses %s always, in one line naming the entry', (arn, why) => {
    for (const allowBroadExemptions of [false, true]) {
      const refuse = () =>
        validateExemptPrincipals([`arn:aws:iam::${account}:role/ok`, arn], { allowBroadExemptions });
      expect(refuse).toThrow(InvalidInputError);
      expect(refuse).toThrow(why);
      expect(refuse).toThrow(/^exemptPrincipalArns\[1\]: [^\n]+$/);
    }
  });
});

describe('exempt principals: wildcards only in a role path or name prefix, only when allowed', () => {
  const prefixes = [
    `arn:aws:iam::${account}:role/breakglass-*`,
    `arn:aws:iam::${account}:role/ci/*`,
    `arn:aws:iam::${account}:role/ci/fix-pusher-?`,
  ];

  it.each(prefixes)('refuses %s without the option, saying how to allow it', (arn) => {
    expect(() => validateExemptPrincipals([arn])).toThrow(
      /has a wildcard, so every matching role keeps pull access; name the role exactly, or allow broad exemptions explicitly \(allowBroadExemptions\)/,
    );
  });

  it('accepts them with allowBroadExemptions and writes them as they are', () => {
    expect(conditionOf(prefixes, { allowBroadExemptions: true })).toEqual({
      ArnNotLike: { 'aws:PrincipalArn': prefixes },
    });
  });
});

describe("exempt principals: the Region's partition", () => {
  it.each([
    ['us-east-1', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
  ])('accepts an ARN of the partition of %s (%s)', (region, partition) => {
    const arn = `arn:${partition}:iam::${account}:role/breakglass`;
    expect(validateExemptPrincipals([arn], { region })).toEqual([arn]);
  });

  it.each([
    [
      'eu-west-1',
      `arn:aws-cn:iam::${account}:role/x`,
      /is in the partition aws-cn, but the Region eu-west-1 is in aws/,
    ],
    [
      'cn-north-1',
      `arn:aws:iam::${account}:role/x`,
      /is in the partition aws, but the Region cn-north-1 is in aws-cn/,
    ],
    [
      'us-gov-east-1',
      `arn:aws:iam::${account}:root`,
      /is in the partition aws, but the Region us-gov-east-1/,
    ],
  ])('refuses, in %s, %s', (region, arn, why) => {
    expect(() => validateExemptPrincipals([arn], { region })).toThrow(why);
  });

  it('checks the partition of the repository when the use case blocks, and writes nothing', async () => {
    const policies = new InMemoryPolicies(null);
    const repository = { accountId: account, region: 'cn-north-1', repositoryName: 'team-a/api' };
    await expect(
      changeRepositoryPolicy(policies, repository, 'block', {
        exemptPrincipalArns: [`arn:aws:iam::${account}:role/breakglass`],
      }),
    ).rejects.toThrow(/exemptPrincipalArns\[0\]: .* but the Region cn-north-1 is in aws-cn/);
    expect(policies.writes).toEqual([]);
  });
});
