import '../support/mockMatchers.js';
import {
  AccountNotFoundException,
  DescribeAccountCommand,
  OrganizationsClient,
  ServiceException,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { loadOrganizationConfig } from '../../src/lambda/organizationConfig.js';
import { OrganizationScope } from '../../src/organization/OrganizationScope.js';
import { OrganizationsAccountDirectory } from '../../src/organizations/OrganizationsAccountDirectory.js';
import { sdkError } from './helpers.js';

const organizations = mockClient(OrganizationsClient);
const ORG = 'o-a1b2c3d4e5';
const MEMBER = '444455556666';
const OTHER = '777788889999';
let clock = 0;

const account = (id: string, state: 'ACTIVE' | 'SUSPENDED' = 'ACTIVE', org = ORG) => ({
  Account: { Id: id, Arn: `arn:aws:organizations::111122223333:account/${org}/${id}`, State: state },
});

function directory() {
  return new OrganizationsAccountDirectory({
    client: new OrganizationsClient({ region: 'us-east-1' }),
    organizationId: ORG,
    now: () => clock,
  });
}

function scope(allowedAccounts: string[] = []) {
  return new OrganizationScope({
    accounts: directory(),
    deployedRegions: ['us-east-1', 'eu-west-1'],
    allowedAccounts,
  });
}

/** A member's finding about an image of `repositoryAccount` in `region`. */
const finding = (accountId: string, repositoryAccount = accountId, region = 'eu-west-1') => ({
  Id: 'f-1',
  AwsAccountId: accountId,
  Resources: [
    { Type: 'Other', Id: 'i-0abc' },
    {
      Type: 'AwsEcrContainerImage',
      Id: `arn:aws:ecr:${region}:${repositoryAccount}:repository/team-a/api/sha256:${'a'.repeat(64)}`,
    },
  ],
});

beforeEach(() => {
  organizations.reset();
  clock = 0;
  organizations.on(DescribeAccountCommand, { AccountId: MEMBER }).resolves(account(MEMBER));
  organizations
    .on(DescribeAccountCommand, { AccountId: OTHER })
    .rejects(sdkError(AccountNotFoundException, "You specified an account that doesn't exist.", 400));
});
afterAll(() => organizations.restore());

describe('OrganizationsAccountDirectory', () => {
  it('admits an active account of the organization, and asks once per quarter of an hour', async () => {
    const accounts = directory();
    await expect(accounts.refusalOf(MEMBER)).resolves.toBeUndefined();
    clock += 899_999;
    await accounts.refusalOf(MEMBER);
    expect(organizations).toHaveReceivedCommandTimes(DescribeAccountCommand, 1);
    clock += 1;
    await accounts.refusalOf(MEMBER);
    expect(organizations).toHaveReceivedCommandTimes(DescribeAccountCommand, 2);
  });

  it('refuses an account that is not found, suspended, or of another organization', async () => {
    organizations
      .on(DescribeAccountCommand, { AccountId: '121212121212' })
      .resolves(account('121212121212', 'SUSPENDED'));
    organizations
      .on(DescribeAccountCommand, { AccountId: '343434343434' })
      .resolves(account('343434343434', 'ACTIVE', 'o-zzzzzzzzzz'));
    const accounts = directory();
    await expect(accounts.refusalOf(OTHER)).resolves.toBe(
      `account ${OTHER} is not in the organization ${ORG}`,
    );
    await expect(accounts.refusalOf('121212121212')).resolves.toBe(
      'account 121212121212 is SUSPENDED, not ACTIVE',
    );
    await expect(accounts.refusalOf('343434343434')).resolves.toBe(
      `account 343434343434 is not in the organization ${ORG}`,
    );
  });

  it('throws when the organization cannot be asked: not knowing is not a refusal', async () => {
    organizations
      .on(DescribeAccountCommand, { AccountId: MEMBER })
      .rejects(sdkError(ServiceException, 'internal', 500));
    await expect(directory().refusalOf(MEMBER)).rejects.toThrow('internal');
  });
});

describe('OrganizationScope', () => {
  it('acts on a finding in its own account and its repository Region', async () => {
    await expect(scope().placeOfFinding(finding(MEMBER))).resolves.toEqual({
      ok: true,
      place: { accountId: MEMBER, region: 'eu-west-1' },
    });
  });

  it.each([
    [
      'a resource of another account than the finding',
      finding(MEMBER, OTHER),
      `is in account ${OTHER}, but the finding belongs to account ${MEMBER}`,
    ],
    [
      'an account outside the organization',
      finding(OTHER),
      `account ${OTHER} is not in the organization ${ORG}`,
    ],
    [
      'a Region that is not deployed',
      finding(MEMBER, MEMBER, 'ap-southeast-2'),
      'region ap-southeast-2 is not deployed',
    ],
    ['no AwsAccountId', { ...finding(MEMBER), AwsAccountId: undefined }, 'finding has no valid AwsAccountId'],
    [
      'no ECR resource',
      { ...finding(MEMBER), Resources: [] },
      'finding has no ECR image or repository resource',
    ],
    [
      'repositories in two Regions',
      {
        ...finding(MEMBER),
        Resources: [...finding(MEMBER).Resources, ...finding(MEMBER, MEMBER, 'us-east-1').Resources],
      },
      'finding names repositories in several regions',
    ],
  ])('refuses %s', async (_case, raw, reason) => {
    const decision = await scope().placeOfFinding(raw);
    expect(decision.ok).toBe(false);
    expect(decision.ok ? '' : decision.reason).toContain(reason);
  });

  it('refuses a resource of another account and a Region not deployed before asking the organization', async () => {
    await scope().placeOfFinding(finding(MEMBER, OTHER));
    await scope().placeOfFinding(finding(MEMBER, MEMBER, 'ap-southeast-2'));
    expect(organizations).not.toHaveReceivedAnyCommand();
  });

  it('refuses an account outside the allow-list, even of the organization', async () => {
    const decision = await scope([OTHER]).decide({ accountId: MEMBER, region: 'us-east-1' });
    expect(decision).toEqual({ ok: false, reason: `account ${MEMBER} is not in the allow-list` });
    expect(organizations).not.toHaveReceivedAnyCommand();
  });
});

describe('loadOrganizationConfig', () => {
  const env = {
    ORGANIZATION_ID: ORG,
    MEMBER_ROLE_PREFIX: 'ecr-compliance-import-',
    DEPLOYED_REGIONS: 'us-east-1, eu-west-1',
    ALLOWED_ACCOUNTS: '',
  };

  it('is undefined in the single-account shape', () => {
    expect(loadOrganizationConfig({}, 'on-image-scan')).toBeUndefined();
  });

  it('reads the organization variables', () => {
    expect(loadOrganizationConfig({ ...env, ALLOWED_ACCOUNTS: MEMBER }, 'on-image-scan')).toEqual({
      ORGANIZATION_ID: ORG,
      MEMBER_ROLE_PREFIX: 'ecr-compliance-import-',
      DEPLOYED_REGIONS: ['us-east-1', 'eu-west-1'],
      ALLOWED_ACCOUNTS: [MEMBER],
    });
  });

  it.each([
    [{ ORGANIZATION_ID: 'org-1' }, 'ORGANIZATION_ID must be an organization id'],
    [{ MEMBER_ROLE_PREFIX: undefined }, 'MEMBER_ROLE_PREFIX is required with ORGANIZATION_ID'],
    [{ DEPLOYED_REGIONS: '' }, 'DEPLOYED_REGIONS must name at least one Region'],
    [{ DEPLOYED_REGIONS: 'us-east-1,Mars' }, 'DEPLOYED_REGIONS'],
    [{ ALLOWED_ACCOUNTS: '1234' }, 'ALLOWED_ACCOUNTS'],
  ])('stops the cold start on %j with a message that names the variable', (change, message) => {
    expect(() => loadOrganizationConfig({ ...env, ...change }, 'on-image-scan')).toThrow(
      expect.objectContaining({ name: 'ConfigurationError', message: expect.stringContaining(message) }),
    );
  });
});
