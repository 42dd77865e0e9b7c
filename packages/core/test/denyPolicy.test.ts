import {
  BLOCK_STATEMENT_SID,
  blockPolicy,
  blockStatement,
  DENIED_PULL_ACTIONS,
  InvalidInputError,
  isBlocked,
  MAX_POLICY_LENGTH,
  PolicyConflictError,
  type PolicyDocument,
  PolicyTooLargeError,
  PolicyUnreadableError,
  parsePolicy,
  policyLength,
  unblockPolicy,
} from '@ecr-compliance/core';
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
      blockPolicy(null, {
        exemptPrincipalArns: [breakGlass, 'arn:aws:iam::111122223333:role/ci-*'],
        allowBroadExemptions: true,
      }).policy,
    );
    expect(statement?.Condition).toEqual({
      ArnNotLike: { 'aws:PrincipalArn': [breakGlass, 'arn:aws:iam::111122223333:role/ci-*'] },
    });
  });

  it('refuses an exempt principal that is not an IAM principal ARN, naming it and writing nothing', () => {
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

  it('refuses two copies of our statement instead of collapsing them', () => {
    const doubled = blockPolicy(null).policy;
    const text = JSON.stringify({
      ...doubled,
      Statement: [...(doubled?.Statement ?? []), ...(doubled?.Statement ?? [])],
    });
    expect(() => unblockPolicy(text)).toThrow(PolicyConflictError);
    expect(() => blockPolicy(text)).toThrow(PolicyConflictError);
  });

  it('recognises our statement with its actions in the other order and a single exempt ARN as a string', () => {
    const text = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: BLOCK_STATEMENT_SID,
          Effect: 'Deny',
          Principal: '*',
          Action: ['ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
          Condition: { ArnNotLike: { 'aws:PrincipalArn': breakGlass } },
        },
      ],
    });
    expect(isBlocked(parsePolicy(text))).toBe(true);
    expect(unblockPolicy(text)).toEqual({ changed: true, policy: null, policyText: null });
    expect(ours(blockPolicy(text, { exemptPrincipalArns: [breakGlass] }).policy)).toEqual({
      Sid: BLOCK_STATEMENT_SID,
      Effect: 'Deny',
      Principal: '*',
      Action: [...DENIED_PULL_ACTIONS],
      Condition: { ArnNotLike: { 'aws:PrincipalArn': [breakGlass] } },
    });
  });
});

describe('the size limit, counted as ECR counts it (Unicode code points)', () => {
  // A foreign statement whose condition value is `filler`, and the length of the compact policy
  // that blocking it produces.
  const withFiller = (filler: string) => ({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'TeamOnly',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:root' },
        Action: 'ecr:ListImages',
        Condition: { StringEquals: { 'aws:PrincipalTag/team': filler } },
      },
    ],
  });
  const blockedLength = (filler: string) =>
    policyLength(
      JSON.stringify({
        ...withFiller(filler),
        Statement: [...withFiller(filler).Statement, blockStatement()],
      }),
    );
  const room = MAX_POLICY_LENGTH - blockedLength('');
  const bytes = (text: string) => new TextEncoder().encode(text).length;

  it('counts code points, not UTF-16 code units or UTF-8 bytes', () => {
    expect(policyLength('abc')).toBe(3);
    expect(policyLength('é')).toBe(1);
    expect(policyLength('日本')).toBe(2);
    expect(policyLength('😀')).toBe(1);
    expect('😀'.length).toBe(2);
  });

  it.each([
    ['emoji (4 UTF-8 bytes, 2 UTF-16 units each)', '😀'],
    ['accented letters (2 UTF-8 bytes each)', 'é'],
    ['CJK (3 UTF-8 bytes each)', '日'],
  ])('writes a policy of exactly 10,240 code points of %s', (_, char) => {
    const change = blockPolicy(JSON.stringify(withFiller(char.repeat(room))));
    const text = change.policyText ?? '';
    expect(policyLength(text)).toBe(MAX_POLICY_LENGTH);
    expect(bytes(text)).toBeGreaterThan(MAX_POLICY_LENGTH);
    expect(JSON.parse(text)).toEqual(change.policy);
  });

  it.each([
    ['emoji', '😀'],
    ['accented letters', 'é'],
  ])('refuses a policy of 10,241 code points of %s, naming its length', (_, char) => {
    const input = JSON.stringify(withFiller(char.repeat(room + 1)));
    expect(() => blockPolicy(input)).toThrow(
      `resulting repository policy would be ${MAX_POLICY_LENGTH + 1} characters, over ECR's limit of ${MAX_POLICY_LENGTH}`,
    );
  });

  it('would have refused the emoji policy if it counted UTF-16 code units, as String.length does', () => {
    const text = blockPolicy(JSON.stringify(withFiller('😀'.repeat(room)))).policyText ?? '';
    expect(text.length).toBe(MAX_POLICY_LENGTH + room);
  });
});
