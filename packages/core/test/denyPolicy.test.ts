import {
  BLOCK_STATEMENT_SID,
  blockPolicy,
  DENIED_PULL_ACTIONS,
  InvalidInputError,
  isBlocked,
  MAX_POLICY_LENGTH,
  type PolicyDocument,
  PolicyTooLargeError,
  PolicyUnreadableError,
  parsePolicy,
  unblockPolicy,
} from '@ecr-compliance/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { example } from './support/fixtures.js';

const foreign = example<{ policyText: string }>('get-repository-policy.json').policyText;
const breakGlass = 'arn:aws:iam::111122223333:role/ecr-breakglass';
const ours = (doc: PolicyDocument | null) => doc?.Statement.find((s) => s.Sid === BLOCK_STATEMENT_SID);

describe('blockPolicy', () => {
  it('creates a policy with only the Deny statement when the repository has none', () => {
    const change = blockPolicy(null);
    expect(change.changed).toBe(true);
    expect(change.policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: BLOCK_STATEMENT_SID,
          Effect: 'Deny',
          Principal: '*',
          Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        },
      ],
    });
    expect(JSON.parse(change.policyText ?? '')).toEqual(change.policy);
  });

  it('denies the pull pair but not BatchCheckLayerAvailability, which pushes of the fix need', () => {
    const statement = ours(blockPolicy(null).policy);
    expect(statement?.Action).toEqual([...DENIED_PULL_ACTIONS]);
    expect(statement?.Action).not.toContain('ecr:BatchCheckLayerAvailability');
  });

  it('keeps every foreign statement exactly, in order, and the Version', () => {
    const before = JSON.parse(foreign);
    const change = blockPolicy(foreign);
    expect(change.policy?.Version).toBe(before.Version);
    expect(change.policy?.Statement.slice(0, -1)).toEqual(before.Statement);
    expect(change.policy?.Statement.at(-1)?.Sid).toBe(BLOCK_STATEMENT_SID);
  });

  it('keeps a legacy 2008-10-17 Version and unknown top-level keys', () => {
    const change = blockPolicy(JSON.stringify({ Version: '2008-10-17', Id: 'legacy', Statement: [] }));
    expect(change.policy?.Version).toBe('2008-10-17');
    expect(change.policy?.Id).toBe('legacy');
  });

  it('exempts principals through ArnNotLike on aws:PrincipalArn', () => {
    const statement = ours(
      blockPolicy(null, { exemptPrincipalArns: [breakGlass, 'arn:aws:iam::111122223333:role/ci-*'] }).policy,
    );
    expect(statement?.Condition).toEqual({
      ArnNotLike: { 'aws:PrincipalArn': [breakGlass, 'arn:aws:iam::111122223333:role/ci-*'] },
    });
  });

  it('refuses an exempt principal that is not an IAM principal ARN, naming it', () => {
    expect(() => blockPolicy(null, { exemptPrincipalArns: [breakGlass, '*'] })).toThrow(InvalidInputError);
    expect(() => blockPolicy(null, { exemptPrincipalArns: ['arn:aws:s3:::bucket'] })).toThrow(
      /exemptPrincipalArns\[0\]/,
    );
  });

  it('is idempotent: blocking a blocked repository changes nothing', () => {
    const once = blockPolicy(foreign, { exemptPrincipalArns: [breakGlass] });
    const twice = blockPolicy(once.policyText, { exemptPrincipalArns: [breakGlass] });
    expect(twice.changed).toBe(false);
    expect(twice.policyText).toBeNull();
    expect(twice.policy).toEqual(once.policy);
  });

  it('updates our statement in place when the exempt principals change', () => {
    const first = blockPolicy(foreign);
    const withForeignAfter = JSON.stringify({
      ...first.policy,
      Statement: [
        ...(first.policy?.Statement ?? []),
        { Sid: 'Later', Effect: 'Allow', Principal: { AWS: breakGlass }, Action: 'ecr:*' },
      ],
    });
    const second = blockPolicy(withForeignAfter, { exemptPrincipalArns: [breakGlass] });
    expect(second.changed).toBe(true);
    expect(second.policy?.Statement.map((s) => s.Sid)).toEqual([
      'LambdaECRImageRetrievalPolicy',
      'AllowCiPush',
      BLOCK_STATEMENT_SID,
      'Later',
    ]);
    expect(ours(second.policy)?.Condition).toBeDefined();
  });

  it('handles a Statement given as a single object', () => {
    const single = JSON.stringify({
      Version: '2012-10-17',
      Statement: { Sid: 'One', Effect: 'Allow', Principal: '*', Action: 'ecr:ListImages' },
    });
    const change = blockPolicy(single);
    expect(change.policy?.Statement.map((s) => s.Sid)).toEqual(['One', BLOCK_STATEMENT_SID]);
  });

  it('never writes an Allow', () => {
    expect(ours(blockPolicy(foreign).policy)?.Effect).toBe('Deny');
  });

  // Non-compliant inputs beside the compliant ones above: the engine refuses and writes nothing.
  it.each([
    ['not JSON', '{"Version": "2012-10-17", "Statement": ['],
    ['a JSON array', '[]'],
    ['a JSON string', '"policy"'],
    ['no Statement', '{"Version": "2012-10-17"}'],
    ['a statement that is not an object', '{"Statement": ["Allow"]}'],
  ])('refuses to overwrite a policy that is %s', (_, text) => {
    expect(() => blockPolicy(text)).toThrow(PolicyUnreadableError);
    expect(() => unblockPolicy(text)).toThrow(PolicyUnreadableError);
  });

  it('refuses a result over 10,240 characters', () => {
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Big',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:root' },
          Action: 'ecr:ListImages',
          Condition: { StringEquals: { 'aws:PrincipalTag/team': 'x'.repeat(MAX_POLICY_LENGTH - 250) } },
        },
      ],
    });
    expect(big.length).toBeLessThanOrEqual(MAX_POLICY_LENGTH);
    expect(() => blockPolicy(big)).toThrow(PolicyTooLargeError);
  });

  it('writes compact JSON when the indented form would not fit', () => {
    const statements = Array.from({ length: 55 }, (_, i) => ({
      Sid: `S${i}`,
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::111122223333:role/r${i}` },
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
    }));
    const text = JSON.stringify({ Version: '2012-10-17', Statement: statements });
    const change = blockPolicy(text);
    expect(change.policyText?.length).toBeLessThanOrEqual(MAX_POLICY_LENGTH);
    expect(change.policyText).not.toContain('\n');
  });
});

describe('unblockPolicy', () => {
  it('removes only our statement', () => {
    const blocked = blockPolicy(foreign, { exemptPrincipalArns: [breakGlass] }).policyText;
    const change = unblockPolicy(blocked);
    expect(change.changed).toBe(true);
    expect(change.policy).toEqual(JSON.parse(foreign));
    expect(isBlocked(change.policy)).toBe(false);
  });

  it('says the repository should have no policy when nothing is left', () => {
    const change = unblockPolicy(blockPolicy(null).policyText);
    expect(change).toEqual({ changed: true, policy: null, policyText: null });
  });

  it('is idempotent: unblocking an unblocked repository changes nothing', () => {
    expect(unblockPolicy(foreign)).toMatchObject({ changed: false, policyText: null });
    expect(unblockPolicy(null)).toEqual({ changed: false, policy: null, policyText: null });
  });

  it('says the same for a policy whose only statements were ours', () => {
    const empty = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    expect(unblockPolicy(blockPolicy(empty).policyText).policy).toBeNull();
  });

  it('removes duplicates of our statement too', () => {
    const doubled = blockPolicy(null).policy;
    const text = JSON.stringify({
      ...doubled,
      Statement: [...(doubled?.Statement ?? []), ...(doubled?.Statement ?? [])],
    });
    expect(unblockPolicy(text).policy).toBeNull();
  });
});

// Arbitrary foreign policies: statements of any shape with Sids outside our namespace.
const json = fc.jsonValue({ maxDepth: 2, depthSize: 'small' });
const statement = fc.record(
  {
    Sid: fc.stringMatching(/^[A-Za-z0-9]{1,20}$/).filter((s) => s !== BLOCK_STATEMENT_SID),
    Effect: fc.constantFrom('Allow', 'Deny'),
    Principal: fc.oneof(
      fc.constant('*'),
      fc.record({ AWS: fc.constant('arn:aws:iam::111122223333:root') }),
      fc.record({ Service: fc.constant('lambda.amazonaws.com') }),
    ),
    Action: fc.oneof(
      fc.constantFrom('ecr:*', 'ecr:BatchGetImage'),
      fc.array(fc.constantFrom('ecr:PutImage', 'ecr:ListImages', 'ecr:BatchGetImage'), { minLength: 1 }),
    ),
    Condition: fc.dictionary(
      fc.constantFrom('StringEquals', 'ArnLike', 'Bool'),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), json),
    ),
    Extra: json,
  },
  { requiredKeys: ['Effect'] },
);
// Only policies ECR would hold: with room for our statement under the 10,240-character limit
// (the limit itself has its own test above).
const policy = fc
  .record(
    {
      Version: fc.constantFrom('2012-10-17', '2008-10-17'),
      Id: fc.string({ maxLength: 20 }),
      Statement: fc.oneof(fc.array(statement, { minLength: 1, maxLength: 6 }), statement),
    },
    { requiredKeys: ['Statement'] },
  )
  .filter((doc) => JSON.stringify(doc).length < MAX_POLICY_LENGTH - 1000);
// Compared after a JSON round trip, which is what a policy text goes through (-0 becomes 0).
const normalized = (input: Record<string, unknown>) => {
  const doc = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
  return { ...doc, Statement: Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement] };
};
const exempt = fc.array(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).map((n) => `arn:aws:iam::111122223333:role/${n}`),
  { maxLength: 3 },
);

describe('property: over arbitrary foreign policies', () => {
  it('unblock(block(p)) equals p (Statement as an array)', () => {
    fc.assert(
      fc.property(policy, exempt, (doc, arns) => {
        const text = JSON.stringify(doc);
        const blocked = blockPolicy(text, { exemptPrincipalArns: arns });
        expect(blocked.changed).toBe(true);
        expect(unblockPolicy(blocked.policyText).policy).toEqual(normalized(doc));
      }),
      { numRuns: 300 },
    );
  });

  it('block keeps every foreign statement exactly and in order, and is idempotent', () => {
    fc.assert(
      fc.property(policy, exempt, (doc, arns) => {
        const blocked = blockPolicy(JSON.stringify(doc), { exemptPrincipalArns: arns });
        const foreignOut = blocked.policy?.Statement.filter((s) => s.Sid !== BLOCK_STATEMENT_SID);
        expect(foreignOut).toEqual(normalized(doc).Statement);
        expect(blockPolicy(blocked.policyText, { exemptPrincipalArns: arns }).changed).toBe(false);
        expect(parsePolicy(blocked.policyText)).toEqual(blocked.policy);
      }),
      { numRuns: 300 },
    );
  });

  it('our statement is the only one we add, and it is a Deny', () => {
    fc.assert(
      fc.property(fc.option(policy, { nil: null }), (doc) => {
        const blocked = blockPolicy(doc ? JSON.stringify(doc) : null);
        const added = (blocked.policy?.Statement.length ?? 0) - (doc ? normalized(doc).Statement.length : 0);
        expect(added).toBe(1);
        expect(ours(blocked.policy)).toMatchObject({ Effect: 'Deny', Principal: '*' });
      }),
    );
  });
});

describe('exempt principals', () => {
  it('refuses a session ARN, naming the role to exempt instead', () => {
    expect(() =>
      blockPolicy(null, { exemptPrincipalArns: ['arn:aws:sts::111122223333:assumed-role/BreakGlass/alice'] }),
    ).toThrow(
      'exemptPrincipalArns[0]: "arn:aws:sts::111122223333:assumed-role/BreakGlass/alice" is a session ARN, which aws:PrincipalArn never holds: exempt the role, arn:aws:iam::ACCOUNT:role/BreakGlass',
    );
  });

  it('refuses a group ARN, which is never a principal', () => {
    expect(() =>
      blockPolicy(null, { exemptPrincipalArns: ['arn:aws:iam::111122223333:group/admins'] }),
    ).toThrow(InvalidInputError);
  });

  it('accepts role paths and wildcards, users and root', () => {
    const arns = [
      'arn:aws:iam::111122223333:role/ci/fix-pusher-*',
      'arn:aws:iam::111122223333:user/alice',
      'arn:aws:iam::111122223333:root',
    ];
    expect(ours(blockPolicy(null, { exemptPrincipalArns: arns }).policy)?.Condition).toEqual({
      ArnNotLike: { 'aws:PrincipalArn': arns },
    });
  });
});
