import { BLOCK_STATEMENT_SID, blockPolicy, blockStateOf, unblockPolicy } from '@ecr-compliance/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const ROLE = 'arn:aws:iam::111122223333:role/breakglass';
const PIPELINE = 'arn:aws:iam::111122223333:role/ci-pipeline';
const FOREIGN = {
  Sid: 'AllowAppPull',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111122223333:role/app' },
  Action: ['ecr:BatchGetImage'],
};

describe('blockStateOf', () => {
  it('says not blocked for no policy, and for a policy without our statement', () => {
    expect(blockStateOf(null)).toEqual({ state: 'not blocked' });
    expect(blockStateOf('')).toEqual({ state: 'not blocked' });
    expect(blockStateOf(JSON.stringify({ Version: '2012-10-17', Statement: [FOREIGN] }))).toEqual({
      state: 'not blocked',
    });
  });

  it('says blocked, with the exempt principals of our statement', () => {
    const existing = JSON.stringify({ Version: '2012-10-17', Statement: [FOREIGN] });
    expect(blockStateOf(blockPolicy(existing).policyText)).toEqual({
      state: 'blocked',
      exemptPrincipalArns: [],
    });
    expect(blockStateOf(blockPolicy(existing, { exemptPrincipalArns: [ROLE, PIPELINE] }).policyText)).toEqual(
      {
        state: 'blocked',
        exemptPrincipalArns: [ROLE, PIPELINE],
      },
    );
  });

  it('reads one exempt principal written as a string', () => {
    const policy = blockPolicy(null, { exemptPrincipalArns: [ROLE] }).policy;
    const statement = { ...policy?.Statement[0], Condition: { ArnNotLike: { 'aws:PrincipalArn': ROLE } } };
    expect(blockStateOf(JSON.stringify({ Version: '2012-10-17', Statement: [statement] }))).toEqual({
      state: 'blocked',
      exemptPrincipalArns: [ROLE],
    });
  });

  it('names an unreadable policy and a borrowed Sid instead of throwing', () => {
    expect(blockStateOf('{not json')).toMatchObject({
      state: 'unreadable',
      reason: expect.stringMatching(/^existing repository policy is unreadable/),
    });
    const borrowed = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ ...FOREIGN, Sid: BLOCK_STATEMENT_SID }],
    });
    expect(blockStateOf(borrowed)).toMatchObject({
      state: 'conflict',
      reason: expect.stringMatching(
        /Statement\[0\] has the Sid EcrComplianceDenyPull but is not this tool's/,
      ),
    });
  });

  it('agrees with block and unblock for any set of exempt roles', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), { maxLength: 5 }), (names) => {
        const exempt = names.map((n) => `arn:aws:iam::111122223333:role/${n}`);
        const blocked = blockPolicy(null, { exemptPrincipalArns: exempt }).policyText;
        expect(blockStateOf(blocked)).toEqual({ state: 'blocked', exemptPrincipalArns: exempt });
        expect(blockStateOf(unblockPolicy(blocked).policyText)).toEqual({ state: 'not blocked' });
      }),
    );
  });
});
