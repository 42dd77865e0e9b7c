import {
  BLOCK_STATEMENT_SID,
  blockPolicy,
  blockStatement,
  changeRepositoryPolicy,
  DENIED_PULL_ACTIONS,
  isBlocked,
  isOurStatement,
  MAX_POLICY_LENGTH,
  PolicyConflictError,
  type PolicyStatement,
  parsePolicy,
  unblockPolicy,
} from '@ecr-compliance/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InMemoryPolicies } from './support/fakes.js';

// Arbitrary foreign statements: any shape, with Sids outside our one.
const json = fc.jsonValue({ maxDepth: 2, depthSize: 'small' });
const anyStatement = fc.record(
  {
    Sid: fc.stringMatching(/^[A-Za-z0-9]{1,20}$/),
    Effect: fc.constantFrom('Allow', 'Deny'),
    Principal: fc.oneof(
      fc.constant('*'),
      fc.record({ AWS: fc.constantFrom('arn:aws:iam::111122223333:root', '*') }),
      fc.record({ Service: fc.constant('lambda.amazonaws.com') }),
    ),
    Action: fc.oneof(
      fc.constantFrom('ecr:*', 'ecr:BatchGetImage'),
      fc.array(fc.constantFrom('ecr:PutImage', 'ecr:ListImages', ...DENIED_PULL_ACTIONS), { minLength: 1 }),
    ),
    Condition: fc.dictionary(
      fc.constantFrom('StringEquals', 'StringNotEquals', 'ArnNotLike', 'Bool'),
      fc.dictionary(fc.constantFrom('aws:PrincipalArn', 'aws:PrincipalOrgID', 'aws:SourceArn'), json),
    ),
    Extra: json,
  },
  { requiredKeys: ['Effect'] },
);
const foreignStatement = anyStatement.filter((s) => s.Sid !== BLOCK_STATEMENT_SID);

const exemptArns = fc.uniqueArray(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).map((n) => `arn:aws:iam::111122223333:role/${n}`),
  { maxLength: 3 },
);
const ourStatement = exemptArns.map((arns) => blockStatement(arns));

// Hostile statements that reuse our Sid: anything at all, or ours with one thing changed.
const mutation = fc.constantFrom<(s: PolicyStatement) => PolicyStatement>(
  (s) => ({ ...s, Effect: 'Allow' }),
  (s) => ({ ...s, Principal: { AWS: 'arn:aws:iam::444455556666:root' } }),
  (s) => ({ ...s, Action: 'ecr:*' }),
  (s) => ({ ...s, Action: [...DENIED_PULL_ACTIONS, 'ecr:PutImage'] }),
  (s) => ({ ...s, Action: [DENIED_PULL_ACTIONS[0]] }),
  (s) => ({ ...s, Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }),
  (s) => ({ ...s, Condition: { ArnNotLike: { 'aws:PrincipalArn': [] } } }),
  (s) => ({ ...s, Resource: '*' }),
  (s) => ({ ...s, NotPrincipal: { AWS: 'arn:aws:iam::111122223333:root' } }),
);
const hostileStatement = fc
  .oneof(
    anyStatement.map((s) => ({ ...s, Sid: BLOCK_STATEMENT_SID })),
    fc.tuple(ourStatement, mutation).map(([s, change]) => change(s)),
  )
  .filter((s) => !isOurStatement(s));

// Only policies ECR would hold, with room for our statement under the 10,240-character limit
// (the limit has its own tests).
const fits = (statements: readonly unknown[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements }).length < MAX_POLICY_LENGTH - 1000;
const foreignPolicy = fc
  .record(
    {
      Version: fc.constantFrom('2012-10-17', '2008-10-17'),
      Id: fc.string({ maxLength: 20 }),
      Statement: fc.oneof(fc.array(foreignStatement, { minLength: 1, maxLength: 6 }), foreignStatement),
    },
    { requiredKeys: ['Statement'] },
  )
  .filter((doc) => fits([doc.Statement]));

/** Inserts `extra` statements into `statements` at arbitrary positions; returns their indexes. */
const inserted = (base: fc.Arbitrary<PolicyStatement[]>, extra: fc.Arbitrary<PolicyStatement[]>) =>
  fc
    .tuple(base, extra, fc.array(fc.nat(), { minLength: 4, maxLength: 4 }))
    .map(([statements, additions, positions]) => {
      const out = [...statements];
      for (const [i, s] of additions.entries()) {
        out.splice((positions[i] ?? 0) % (out.length + 1), 0, s);
      }
      return out;
    })
    .filter(fits);

const foreignList = fc.array(foreignStatement, { maxLength: 5 });
// No conflict: foreign statements, and our statement at most once, anywhere.
const withOurs = inserted(
  foreignList,
  ourStatement.map((s) => [s]),
);
// A conflict: one or more hostile statements anywhere, with or without ours.
const withConflict = inserted(
  foreignList,
  fc
    .tuple(
      fc.array(hostileStatement, { minLength: 1, maxLength: 2 }),
      fc.option(ourStatement, { nil: undefined }),
    )
    .map(([hostile, own]) => (own ? [...hostile, own] : hostile)),
);

// Compared after a JSON round trip, which is what a policy text goes through (-0 becomes 0).
const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const normalized = (input: Record<string, unknown>) => {
  const doc = roundTrip(input);
  return { ...doc, Statement: Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement] };
};
const text = (statements: PolicyStatement[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });
const foreignOf = (statements: readonly PolicyStatement[] | undefined) =>
  (statements ?? []).filter((s) => s.Sid !== BLOCK_STATEMENT_SID);

describe('property: over arbitrary foreign policies', () => {
  it('unblock(block(p)) equals p (Statement as an array)', () => {
    fc.assert(
      fc.property(foreignPolicy, exemptArns, (doc, arns) => {
        const blocked = blockPolicy(JSON.stringify(doc), { exemptPrincipalArns: arns });
        expect(blocked.changed).toBe(true);
        expect(isBlocked(blocked.policy)).toBe(true);
        expect(unblockPolicy(blocked.policyText).policy).toEqual(normalized(doc));
      }),
      { numRuns: 300 },
    );
  });

  it('block keeps every foreign statement exactly and in order, and is idempotent', () => {
    fc.assert(
      fc.property(foreignPolicy, exemptArns, (doc, arns) => {
        const blocked = blockPolicy(JSON.stringify(doc), { exemptPrincipalArns: arns });
        expect(foreignOf(blocked.policy?.Statement)).toEqual(normalized(doc).Statement);
        expect(blockPolicy(blocked.policyText, { exemptPrincipalArns: arns }).changed).toBe(false);
        expect(parsePolicy(blocked.policyText)).toEqual(blocked.policy);
      }),
      { numRuns: 300 },
    );
  });

  it('our statement is the only one we add, and it is a Deny of the pull pair to everyone', () => {
    fc.assert(
      fc.property(fc.option(foreignPolicy, { nil: null }), (doc) => {
        const blocked = blockPolicy(doc ? JSON.stringify(doc) : null);
        const added = (blocked.policy?.Statement.length ?? 0) - (doc ? normalized(doc).Statement.length : 0);
        expect(added).toBe(1);
        expect(blocked.policy?.Statement.at(-1)).toEqual({
          Sid: BLOCK_STATEMENT_SID,
          Effect: 'Deny',
          Principal: '*',
          Action: [...DENIED_PULL_ACTIONS],
        });
      }),
    );
  });
});

describe('property: a policy that already holds our statement somewhere', () => {
  it('unblock removes exactly our statement, keeping the others in order', () => {
    fc.assert(
      fc.property(withOurs, (statements) => {
        const change = unblockPolicy(text(statements));
        const expected = roundTrip(statements.filter((s) => !isOurStatement(s)));
        expect(change.changed).toBe(statements.length !== expected.length);
        expect(change.policy?.Statement ?? []).toEqual(expected);
        expect(isBlocked(change.policy)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('block updates our statement in place and leaves every foreign statement where it was', () => {
    fc.assert(
      fc.property(withOurs, exemptArns, (statements, arns) => {
        const change = blockPolicy(text(statements), { exemptPrincipalArns: arns });
        const after = change.policy?.Statement ?? [];
        const at = statements.findIndex(isOurStatement);
        expect(after).toHaveLength(at === -1 ? statements.length + 1 : statements.length);
        expect(after[at === -1 ? statements.length : at]).toEqual(blockStatement(arns));
        expect(foreignOf(after)).toEqual(roundTrip(foreignOf(statements)));
        expect(unblockPolicy(JSON.stringify(change.policy)).policy?.Statement ?? []).toEqual(
          roundTrip(foreignOf(statements)),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('property: hostile statements that reuse our Sid', () => {
  it('block and unblock always refuse, naming every statement with our Sid', () => {
    fc.assert(
      fc.property(withConflict, exemptArns, (statements, arns) => {
        const withSid = statements.flatMap((s, i) => (s.Sid === BLOCK_STATEMENT_SID ? [i] : []));
        for (const run of [
          () => blockPolicy(text(statements), { exemptPrincipalArns: arns }),
          () => unblockPolicy(text(statements)),
        ]) {
          let refused: unknown;
          try {
            run();
          } catch (error) {
            refused = error;
          }
          expect(refused).toBeInstanceOf(PolicyConflictError);
          expect((refused as PolicyConflictError).statements).toEqual(withSid);
          expect((refused as Error).message).not.toContain('\n');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never writes, through the use case, and leaves the policy text as it was', async () => {
    const repository = { accountId: '111122223333', region: 'us-east-1', repositoryName: 'team-a/api' };
    await fc.assert(
      fc.asyncProperty(
        withConflict,
        fc.constantFrom<'block' | 'unblock'>('block', 'unblock'),
        async (statements, action) => {
          const before = text(statements);
          const policies = new InMemoryPolicies(before);
          await expect(changeRepositoryPolicy(policies, repository, action)).rejects.toBeInstanceOf(
            PolicyConflictError,
          );
          expect(policies.writes).toEqual([]);
          expect(policies.text).toBe(before);
        },
      ),
      { numRuns: 200 },
    );
  });
});
