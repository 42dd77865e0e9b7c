import '../support/mockMatchers.js';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { OwnAccountCredentials, PerPlace } from '../../src/sts/AccountCredentials.js';
import { StsAccountCredentials } from '../../src/sts/StsAccountCredentials.js';

const sts = mockClient(STSClient);
const own = { accountId: '111122223333', region: 'us-east-1' };
const member = { accountId: '444455556666', region: 'eu-west-1' };
let clock = 1_800_000_000_000;

/** AssumeRole answers with credentials that expire `inMs` from now, numbered by call. */
function answerWithCredentials(inMs = 3_600_000) {
  let n = 0;
  sts.on(AssumeRoleCommand).callsFake(async () => {
    n += 1;
    return {
      Credentials: {
        AccessKeyId: `ASIA${n}`,
        SecretAccessKey: `secret-${n}`,
        SessionToken: `token-${n}`,
        Expiration: new Date(clock + inMs),
      },
    };
  });
}

function credentials() {
  return new StsAccountCredentials({
    client: new STSClient({ region: 'us-east-1' }),
    own,
    roleName: (region) => `ecr-compliance-import-${region}`,
    sessionName: 'ecr-compliance-on-image-scan',
    now: () => clock,
  });
}

beforeEach(() => {
  sts.reset();
  clock = 1_800_000_000_000;
});
afterAll(() => sts.restore());

describe('StsAccountCredentials', () => {
  it("uses the function's own credentials in its own account and Region, without STS", () => {
    expect(credentials().credentialsFor(own)).toBeUndefined();
    expect(sts).not.toHaveReceivedAnyCommand();
  });

  it("assumes the member role of the place's account and Region", async () => {
    answerWithCredentials();
    const provider = credentials().credentialsFor(member);
    await expect(provider?.()).resolves.toMatchObject({ accessKeyId: 'ASIA1', sessionToken: 'token-1' });
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: 'arn:aws:iam::444455556666:role/ecr-compliance-import-eu-west-1',
      RoleSessionName: 'ecr-compliance-on-image-scan',
    });
  });

  it('assumes a role in the own account too when the Region is another', async () => {
    answerWithCredentials();
    await credentials().credentialsFor({ ...own, region: 'eu-west-1' })?.();
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: 'arn:aws:iam::111122223333:role/ecr-compliance-import-eu-west-1',
    });
  });

  it('keeps the credentials until 5 minutes before they expire, then assumes the role again', async () => {
    answerWithCredentials(3_600_000);
    const provider = credentials().credentialsFor(member);
    await provider?.();
    clock += 3_600_000 - 300_001;
    await expect(provider?.()).resolves.toMatchObject({ accessKeyId: 'ASIA1' });
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    clock += 2;
    await expect(provider?.()).resolves.toMatchObject({ accessKeyId: 'ASIA2' });
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  it('assumes the role once for many requests waiting at the same time, and once per place', async () => {
    answerWithCredentials();
    const accounts = credentials();
    const provider = accounts.credentialsFor(member);
    const all = await Promise.all([provider?.(), provider?.(), accounts.credentialsFor(member)?.()]);
    expect(all.map((c) => c?.accessKeyId)).toEqual(['ASIA1', 'ASIA1', 'ASIA1']);
    await accounts.credentialsFor({ accountId: '777788889999', region: 'eu-west-1' })?.();
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  it('fails the request when STS refuses, and asks again on the next one', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const provider = credentials().credentialsFor(member);
    await expect(provider?.()).rejects.toThrow('not authorized');
    answerWithCredentials();
    await expect(provider?.()).resolves.toMatchObject({ accessKeyId: 'ASIA1' });
  });

  it('refuses an answer without credentials', async () => {
    sts.on(AssumeRoleCommand).resolves({});
    await expect(credentials().credentialsFor(member)?.()).rejects.toThrow(/returned no credentials/);
  });
});

describe('OwnAccountCredentials and PerPlace', () => {
  it('gives the own credentials in the own place and throws for any other', () => {
    const single = new OwnAccountCredentials(own);
    expect(single.credentialsFor(own)).toBeUndefined();
    expect(() => single.credentialsFor(member)).toThrow(/acts in 111122223333\/us-east-1 only/);
  });

  it('builds once per account and Region, with that place', () => {
    const built: string[] = [];
    const places = new PerPlace(credentials(), (place, creds) => {
      built.push(`${place.accountId}/${place.region}/${creds === undefined ? 'own' : 'role'}`);
      return { place };
    });
    expect(places.for(member)).toBe(places.for({ ...member }));
    places.for(own);
    expect(built).toEqual(['444455556666/eu-west-1/role', '111122223333/us-east-1/own']);
  });
});
