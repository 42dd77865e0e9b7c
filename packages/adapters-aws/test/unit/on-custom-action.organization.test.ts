/**
 * on-custom-action in the organization shape, with client mocks: which credentials each ECR call
 * is sent with (the client's own configuration, as the mock records it), and the branches that a
 * organization that cannot be asked takes. (A member role that cannot be assumed fails its
 * finding's request inside the SDK, after the point where the mocks answer.)
 */
import '../support/mockMatchers.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ECRClient,
  GetRepositoryPolicyCommand,
  RepositoryPolicyNotFoundException,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import {
  AccountNotFoundException,
  DescribeAccountCommand,
  OrganizationsClient,
  ServiceException,
} from '@aws-sdk/client-organizations';
import { BatchUpdateFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { toAsffFindings } from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureLogs, lambdaContext, loadHandler } from '../support/world.js';
import { actionEvent, BLOCK, environment, type Handler, pageOf } from './handlers.support.js';
import { ACCOUNT, REPOSITORY, sdkError } from './helpers.js';

const HANDLER = '../../src/handlers/on-custom-action.js';
const ORG = 'o-a1b2c3d4e5';
const MEMBER = '444455556666';
const OUTSIDE = '999999999999';
const UNKNOWN = '555566667777';
const ecr = mockClient(ECRClient);
const securityHub = mockClient(SecurityHubClient);
const dynamodb = mockClient(DynamoDBClient);
const sts = mockClient(STSClient);
const organizations = mockClient(OrganizationsClient);

/** Our HIGH finding of the fixture image, as the Security Hub of `account` in `region` holds it. */
function highFindingOf(account: string, region = 'us-east-1') {
  const [high] = toAsffFindings(scannedImageFromEcr(pageOf(REPOSITORY), { region: 'us-east-1' }));
  return JSON.parse(JSON.stringify(high).replaceAll(ACCOUNT, account).replaceAll('us-east-1', region));
}

/** The access key each ECR command of this type was sent with. */
async function keysOf(command: 'get' | 'set') {
  const calls =
    command === 'get'
      ? ecr.commandCalls(GetRepositoryPolicyCommand)
      : ecr.commandCalls(SetRepositoryPolicyCommand);
  return Promise.all(
    calls.map(async (call) => {
      const client = call.thisValue as ECRClient;
      const credentials = await (client.config.credentials as () => Promise<{ accessKeyId: string }>)();
      return `${credentials.accessKeyId} ${await client.config.region()}`;
    }),
  );
}

let handler: Handler;
let logs: ReturnType<typeof captureLogs>;

beforeAll(async () => {
  handler = (
    await loadHandler<{ handler: Handler }>(
      HANDLER,
      environment({
        ORGANIZATION_ID: ORG,
        MEMBER_ROLE_PREFIX: 'ecr-compliance-remediate-',
        DEPLOYED_REGIONS: 'us-east-1,eu-west-1',
      }),
    )
  ).handler;
});

beforeEach(() => {
  for (const mock of [ecr, securityHub, dynamodb, sts, organizations]) mock.reset();
  ecr
    .on(GetRepositoryPolicyCommand)
    .rejects(sdkError(RepositoryPolicyNotFoundException, 'Repository policy does not exist', 400));
  ecr.on(SetRepositoryPolicyCommand).resolves({});
  securityHub.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
  sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string }) => ({
    Credentials: {
      AccessKeyId: `ASIA-${input.RoleArn.split(':')[4]}`,
      SecretAccessKey: 'secret',
      SessionToken: 'token',
      Expiration: new Date(Date.now() + 3_600_000),
    },
  }));
  organizations.on(DescribeAccountCommand, { AccountId: MEMBER }).resolves({
    Account: {
      Id: MEMBER,
      Arn: `arn:aws:organizations::${ACCOUNT}:account/${ORG}/${MEMBER}`,
      State: 'ACTIVE',
    },
  });
  organizations.on(DescribeAccountCommand, { AccountId: ACCOUNT }).resolves({
    Account: {
      Id: ACCOUNT,
      Arn: `arn:aws:organizations::${ACCOUNT}:account/${ORG}/${ACCOUNT}`,
      State: 'ACTIVE',
    },
  });
  organizations
    .on(DescribeAccountCommand, { AccountId: OUTSIDE })
    .rejects(sdkError(AccountNotFoundException, "You specified an account that doesn't exist.", 400));
  logs = captureLogs();
});

afterEach(() => logs.restore());

afterAll(() => {
  vi.unstubAllEnvs();
  for (const mock of [ecr, securityHub, dynamodb, sts, organizations]) mock.restore();
});

const invoke = (event: unknown) => handler(event, lambdaContext('on-custom-action'));

describe('on-custom-action in the organization shape', () => {
  it("blocks with the member's remediate role of the finding's Region, and writes the note with its own", async () => {
    const result = await invoke(actionEvent('0c000001', BLOCK, [highFindingOf(MEMBER, 'eu-west-1')]));

    expect(result.outcomes).toEqual([
      expect.objectContaining({ status: 'blocked', changed: true, audit: { recorded: true } }),
    ]);
    // The mocks answer before the SDK signs, so the credentials are resolved here, from the clients.
    expect(await keysOf('get')).toEqual([`ASIA-${MEMBER} eu-west-1`]);
    expect(await keysOf('set')).toEqual([`ASIA-${MEMBER} eu-west-1`]);
    expect(sts).toHaveReceivedCommandExactlyOnceWith(AssumeRoleCommand, {
      RoleArn: `arn:aws:iam::${MEMBER}:role/ecr-compliance-remediate-eu-west-1`,
      RoleSessionName: 'ecr-compliance-on-custom-action',
    });
    expect(ecr).toHaveReceivedCommandWith(SetRepositoryPolicyCommand, { registryId: MEMBER });
    const note = securityHub.commandCalls(BatchUpdateFindingsCommand)[0];
    const noteClient = note?.thisValue as SecurityHubClient;
    const own = await (noteClient.config.credentials as () => Promise<{ accessKeyId: string }>)();
    expect(own.accessKeyId).toBe('testing');
    expect(await noteClient.config.region()).toBe('us-east-1');
  });

  it('acts in its own account and Region with its own credentials, assuming no role', async () => {
    await invoke(actionEvent('0c000002', BLOCK, [highFindingOf(ACCOUNT)]));
    expect(sts).not.toHaveReceivedAnyCommand();
    expect(await keysOf('set')).toEqual(['testing us-east-1']);
  });

  it('refuses a finding of an account outside the organization, assuming no role and calling no ECR', async () => {
    const result = await invoke(actionEvent('0c000004', BLOCK, [highFindingOf(OUTSIDE)]));
    expect(result.outcomes).toEqual([
      expect.objectContaining({
        status: 'skipped',
        reason: `account ${OUTSIDE} is not in the organization ${ORG}`,
      }),
    ]);
    expect(sts).not.toHaveReceivedAnyCommand();
    expect(ecr).not.toHaveReceivedAnyCommand();
    expect(securityHub).not.toHaveReceivedAnyCommand();
  });

  it('fails the finding, and writes nothing, when the organization cannot be asked', async () => {
    // An account not asked before (answers are kept for 15 minutes).
    organizations
      .on(DescribeAccountCommand, { AccountId: UNKNOWN })
      .rejects(sdkError(ServiceException, 'internal', 500));
    await expect(invoke(actionEvent('0c000005', BLOCK, [highFindingOf(UNKNOWN)]))).rejects.toMatchObject({
      name: 'FindingsNotHandledError',
    });
    expect(ecr).not.toHaveReceivedAnyCommand();
  });
});
