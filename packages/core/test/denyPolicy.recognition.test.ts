import {
  BLOCK_STATEMENT_SID,
  blockPolicy,
  blockStatement,
  changeRepositoryPolicy,
  DENIED_PULL_ACTIONS,
  findOurStatement,
  isBlocked,
  isOurStatement,
  PolicyConflictError,
  type PolicyStatement,
  parsePolicy,
  unblockPolicy,
} from '@ecr-compliance/core';
import { describe, expect, it } from 'vitest';
import { InMemoryPolicies } from './support/fakes.js';

const breakGlass = 'arn:aws:iam::111122223333:role/ecr-breakglass';
const ours = blockStatement([breakGlass]);
const policyOf = (...statements: PolicyStatement[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });

// The attack of the security review: an organization perimeter that happens to use our Sid.
const perimeter: PolicyStatement = {
  Sid: BLOCK_STATEMENT_SID,
  Effect: 'Deny',
  Principal: '*',
  Action: 'ecr:*',
  Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
};
const partnerPull: PolicyStatement = {
  Sid: BLOCK_STATEMENT_SID,
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::444455556666:root' },
  Action: [...DENIED_PULL_ACTIONS],
};
const lambdaPull: PolicyStatement = {
  Sid: 'LambdaECRImageRetrievalPolicy',
  Effect: 'Allow',
  Principal: { Service: 'lambda.amazonaws.com' },
  Action: [...DENIED_PULL_ACTIONS],
};

function conflictOf(run: () => unknown): PolicyConflictError {
  try {
    run();
  } catch (error) {
    if (error instanceof PolicyConflictError) return error;
    throw error;
  }
  throw new Error('expected a PolicyConflictError');
}

// cdk-nag style pairs: our statement, beside one change of it that makes it someone else's.
const nearMisses: Array<[string, PolicyStatement, RegExp]> = [
  ['Effect Allow', { ...ours, Effect: 'Allow' }, /its Effect is "Allow", not "Deny"/],
  ['Principal {"AWS":"*"}', { ...ours, Principal: { AWS: '*' } }, /its Principal is \{"AWS":"\*"\}/],
  ['a third action', { ...ours, Action: [...DENIED_PULL_ACTIONS, 'ecr:ListImages'] }, /its Action is/],
  ['one action as a string', { ...ours, Action: 'ecr:BatchGetImage' }, /its Action is "ecr:BatchGetImage"/],
  ['ecr:*', { ...ours, Action: 'ecr:*' }, /not exactly ecr:BatchGetImage and ecr:GetDownloadUrlForLayer/],
  ['a duplicated action', { ...ours, Action: ['ecr:BatchGetImage', 'ecr:BatchGetImage'] }, /its Action is/],
  [
    'another condition operator',
    { ...ours, Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } },
    /its Condition is \{"StringNotEquals"/,
  ],
  [
    'a second condition operator',
    {
      ...ours,
      Condition: {
        ArnNotLike: { 'aws:PrincipalArn': [breakGlass] },
        Bool: { 'aws:SecureTransport': 'true' },
      },
    },
    /its Condition is/,
  ],
  [
    'a second condition key',
    { ...ours, Condition: { ArnNotLike: { 'aws:PrincipalArn': [breakGlass], 'aws:SourceArn': 'arn:x' } } },
    /not only ArnNotLike on aws:PrincipalArn/,
  ],
  [
    'an empty exemption list',
    { ...ours, Condition: { ArnNotLike: { 'aws:PrincipalArn': [] } } },
    /Condition/,
  ],
  ['a Resource', { ...ours, Resource: '*' }, /it has Resource, which this tool never writes/],
  ['a NotAction', { ...ours, NotAction: 'ecr:PutImage' }, /it has NotAction/],
];

describe('our statement is recognised by its whole shape', () => {
  it('recognises the statement blockStatement writes, with and without exemptions', () => {
    expect(isOurStatement(blockStatement())).toBe(true);
    expect(isOurStatement(ours)).toBe(true);
    expect(findOurStatement([lambdaPull, ours])).toBe(1);
  });

  it.each(nearMisses)('does not take a statement with our Sid and %s for ours', (_, statement) => {
    expect(isOurStatement(statement)).toBe(false);
    expect(isBlocked(parsePolicy(policyOf(statement)))).toBe(false);
  });

  it.each(nearMisses)(
    'refuses to block or unblock beside our Sid with %s, naming the statement in one line',
    (_, statement, why) => {
      const text = policyOf(lambdaPull, statement);
      for (const run of [() => blockPolicy(text), () => unblockPolicy(text)]) {
        const error = conflictOf(run);
        expect(error.message).toMatch(
          new RegExp(
            `^existing repository policy conflicts with this tool's statement, refusing to change it: Statement\\[1\\] has the Sid ${BLOCK_STATEMENT_SID} but is not this tool's statement`,
          ),
        );
        expect(error.message).toMatch(why);
        expect(error.message).not.toContain('\n');
        expect(error.statements).toEqual([1]);
      }
    },
  );

  it('keeps a statement of our shape under another Sid as foreign', () => {
    const lookalike = { ...ours, Sid: 'SecurityTeamDenyPull' };
    const text = policyOf(lookalike);
    expect(isBlocked(parsePolicy(text))).toBe(false);
    expect(unblockPolicy(text).changed).toBe(false);
    expect(blockPolicy(text).policy?.Statement).toEqual([lookalike, blockStatement()]);
  });
});

describe('a statement that borrows our Sid is a conflict', () => {
  it('refuses to replace an organization perimeter that uses our Sid, on block and on unblock', () => {
    const text = policyOf(lambdaPull, perimeter);
    expect(conflictOf(() => blockPolicy(text)).message).toContain(
      `Statement[1] has the Sid ${BLOCK_STATEMENT_SID} but is not this tool's statement (its Action is "ecr:*", not exactly ecr:BatchGetImage and ecr:GetDownloadUrlForLayer); give it another Sid`,
    );
    expect(conflictOf(() => unblockPolicy(text)).statements).toEqual([1]);
  });

  it('refuses two foreign statements that share our Sid instead of collapsing them into ours', () => {
    const text = policyOf(perimeter, lambdaPull, partnerPull);
    const error = conflictOf(() => unblockPolicy(text));
    expect(error.message).toContain(
      `Statement[0] and Statement[2] have the Sid ${BLOCK_STATEMENT_SID}, which this tool gives one statement only`,
    );
    expect(error.statements).toEqual([0, 2]);
    expect(conflictOf(() => blockPolicy(text)).statements).toEqual([0, 2]);
  });

  it('refuses our own statement beside a foreign one with our Sid, and still reports the repository blocked', () => {
    const text = policyOf(ours, partnerPull);
    expect(isBlocked(parsePolicy(text))).toBe(true);
    expect(conflictOf(() => unblockPolicy(text)).statements).toEqual([0, 1]);
    expect(conflictOf(() => blockPolicy(text, { exemptPrincipalArns: [breakGlass] })).statements).toEqual([
      0, 1,
    ]);
  });

  it('writes nothing through the use case, for block and for unblock', async () => {
    const text = policyOf(lambdaPull, perimeter);
    const repository = { accountId: '111122223333', region: 'us-east-1', repositoryName: 'team-a/api' };
    for (const action of ['block', 'unblock'] as const) {
      const policies = new InMemoryPolicies(text);
      await expect(changeRepositoryPolicy(policies, repository, action)).rejects.toBeInstanceOf(
        PolicyConflictError,
      );
      expect(policies.writes).toEqual([]);
      expect(policies.text).toBe(text);
    }
  });
});
