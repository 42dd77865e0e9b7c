import '../support/mockMatchers.js';
import { DescribeRepositoriesCommand, ECRClient, RepositoryNotFoundException } from '@aws-sdk/client-ecr';
import { ResourceNotFoundError } from '@ecr-compliance/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { EcrRepositories } from '../../src/ecr/EcrRepositories.js';
import { ACCOUNT, sdkError } from './helpers.js';

const ecr = mockClient(ECRClient);
const repositories = new EcrRepositories({ client: new ECRClient({ region: 'us-east-1' }) });
const arnOf = (name: string) => `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${name}`;

beforeEach(() => {
  ecr.reset();
});

afterAll(() => {
  ecr.restore();
});

describe('EcrRepositories', () => {
  it('lists every page, 1,000 at a time, sorted by name, with the account and Region of each ARN', async () => {
    ecr.on(DescribeRepositoriesCommand).callsFake((input) =>
      input.nextToken
        ? { repositories: [{ repositoryName: 'a/first', repositoryArn: arnOf('a/first') }] }
        : {
            repositories: [
              { repositoryName: 'team-b/db', repositoryArn: arnOf('team-b/db') },
              { repositoryName: 'broken' },
            ],
            nextToken: 'page-2',
          },
    );

    expect(await repositories.list({ accountId: ACCOUNT })).toEqual([
      { accountId: ACCOUNT, region: 'us-east-1', repositoryName: 'a/first' },
      { accountId: ACCOUNT, region: 'us-east-1', repositoryName: 'team-b/db' },
    ]);
    const inputs = ecr.commandCalls(DescribeRepositoriesCommand).map((c) => c.args[0].input);
    // The SDK's paginator reuses one input object, so only the last state of it can be seen.
    expect(inputs).toHaveLength(2);
    expect(inputs[1]).toEqual({ registryId: ACCOUNT, maxResults: 1000, nextToken: 'page-2' });
  });

  it("asks for named repositories only, in the caller's registry when no account is given", async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryArn: arnOf('team-a/api') }] });
    expect(await repositories.list({ repositoryNames: ['team-a/api'] })).toEqual([
      { accountId: ACCOUNT, region: 'us-east-1', repositoryName: 'team-a/api' },
    ]);
    expect(ecr).toHaveReceivedCommandExactlyOnceWith(DescribeRepositoriesCommand, {
      repositoryNames: ['team-a/api'],
    });
  });

  it('names a missing repository with a ResourceNotFoundError', async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(sdkError(RepositoryNotFoundException, 'not found', 400));
    const error = await repositories.list({ repositoryNames: ['team-x/none'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundError);
    expect((error as Error).message).toBe("repository team-x/none not found in registry (the caller's)");
  });
});
