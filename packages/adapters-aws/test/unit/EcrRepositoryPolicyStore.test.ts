import '../support/mockMatchers.js';
import {
  DeleteRepositoryPolicyCommand,
  ECRClient,
  GetRepositoryPolicyCommand,
  InvalidParameterException,
  RepositoryNotFoundException,
  RepositoryPolicyNotFoundException,
  ServerException,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import { ResourceNotFoundError } from '@ecr-compliance/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { EcrRepositoryPolicyStore } from '../../src/ecr/EcrRepositoryPolicyStore.js';
import { ACCOUNT, REPOSITORY, sdkError } from './helpers.js';

const ecr = mockClient(ECRClient);
const store = new EcrRepositoryPolicyStore({ client: new ECRClient({ region: 'us-east-1' }) });
const repository = { accountId: ACCOUNT, region: 'us-east-1', repositoryName: REPOSITORY };
const own = { region: 'us-east-1', repositoryName: REPOSITORY };
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'LambdaECRImageRetrievalPolicy',
      Effect: 'Allow',
      Principal: { Service: 'lambda.amazonaws.com' },
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
    },
  ],
});

const noPolicy = () =>
  sdkError(
    RepositoryPolicyNotFoundException,
    "Repository policy does not exist for the repository with name 'team-a/payments-api' in the registry with id '111122223333'",
    400,
  );
const noRepository = () =>
  sdkError(RepositoryNotFoundException, "The repository with name 'team-a/payments-api' does not exist", 400);

beforeEach(() => {
  ecr.reset();
});

afterAll(() => {
  ecr.restore();
});

describe('EcrRepositoryPolicyStore.get', () => {
  it('returns the policy text of the repository', async () => {
    ecr
      .on(GetRepositoryPolicyCommand)
      .resolves({ registryId: ACCOUNT, repositoryName: REPOSITORY, policyText: POLICY });

    await expect(store.get(repository)).resolves.toBe(POLICY);
    expect(ecr).toHaveReceivedCommandExactlyOnceWith(GetRepositoryPolicyCommand, {
      registryId: ACCOUNT,
      repositoryName: REPOSITORY,
    });
  });

  it('returns null when the repository has no policy (RepositoryPolicyNotFoundException)', async () => {
    ecr.on(GetRepositoryPolicyCommand).rejects(noPolicy());

    await expect(store.get(repository)).resolves.toBeNull();
  });

  it('returns null when the answer carries no policy text', async () => {
    ecr.on(GetRepositoryPolicyCommand).resolves({ registryId: ACCOUNT, repositoryName: REPOSITORY });

    await expect(store.get(repository)).resolves.toBeNull();
  });

  it('returns text that is not a valid policy as it is, for the core to refuse', async () => {
    ecr.on(GetRepositoryPolicyCommand).resolves({ policyText: '{"Version": "2012-10-17", "Statement": [' });

    await expect(store.get(repository)).resolves.toBe('{"Version": "2012-10-17", "Statement": [');
  });

  it('turns RepositoryNotFoundException into a ResourceNotFoundError of kind repository', async () => {
    const cause = noRepository();
    ecr.on(GetRepositoryPolicyCommand).rejects(cause);

    const error = await store.get(repository).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ResourceNotFoundError);
    expect(error).toMatchObject({ kind: 'repository', cause });
    expect((error as Error).message).toBe(`repository ${REPOSITORY} not found in registry ${ACCOUNT}`);
  });

  it("names the caller's registry when the reference has no registry id", async () => {
    ecr.on(GetRepositoryPolicyCommand).rejects(noRepository());

    await expect(store.get(own)).rejects.toThrow(
      `repository ${REPOSITORY} not found in registry (the caller's)`,
    );
    expect(ecr.commandCalls(GetRepositoryPolicyCommand)[0]?.args[0].input).toEqual({
      repositoryName: REPOSITORY,
    });
  });

  it('lets other errors propagate unchanged', async () => {
    const error = sdkError(ServerException, 'Internal error', 500);
    ecr.on(GetRepositoryPolicyCommand).rejects(error);

    await expect(store.get(repository)).rejects.toBe(error);
  });
});

describe('EcrRepositoryPolicyStore.set', () => {
  it('sends the policy text with the registry id when the reference has one', async () => {
    ecr.on(SetRepositoryPolicyCommand).resolves({ policyText: POLICY });

    await store.set(repository, POLICY);

    expect(ecr).toHaveReceivedCommandExactlyOnceWith(SetRepositoryPolicyCommand, {
      registryId: ACCOUNT,
      repositoryName: REPOSITORY,
      policyText: POLICY,
    });
  });

  it('sends no registry id (and no force flag) when the reference has none', async () => {
    ecr.on(SetRepositoryPolicyCommand).resolves({});

    await store.set(own, POLICY);

    expect(ecr.commandCalls(SetRepositoryPolicyCommand)[0]?.args[0].input).toEqual({
      repositoryName: REPOSITORY,
      policyText: POLICY,
    });
  });

  it('turns RepositoryNotFoundException into a ResourceNotFoundError of kind repository', async () => {
    ecr.on(SetRepositoryPolicyCommand).rejects(noRepository());

    await expect(store.set(repository, POLICY)).rejects.toMatchObject({
      name: 'ResourceNotFoundError',
      kind: 'repository',
    });
  });

  it('lets other errors propagate unchanged', async () => {
    const error = sdkError(InvalidParameterException, 'Invalid repository policy provided', 400);
    ecr.on(SetRepositoryPolicyCommand).rejects(error);

    await expect(store.set(repository, POLICY)).rejects.toBe(error);
  });
});

describe('EcrRepositoryPolicyStore.delete', () => {
  it('deletes the policy of the repository', async () => {
    ecr.on(DeleteRepositoryPolicyCommand).resolves({ policyText: POLICY });

    await store.delete(repository);

    expect(ecr).toHaveReceivedCommandExactlyOnceWith(DeleteRepositoryPolicyCommand, {
      registryId: ACCOUNT,
      repositoryName: REPOSITORY,
    });
  });

  it('tolerates a repository that has no policy any more', async () => {
    ecr.on(DeleteRepositoryPolicyCommand).rejects(noPolicy());

    await expect(store.delete(repository)).resolves.toBeUndefined();
  });

  it('turns RepositoryNotFoundException into a ResourceNotFoundError of kind repository', async () => {
    ecr.on(DeleteRepositoryPolicyCommand).rejects(noRepository());

    await expect(store.delete(own)).rejects.toBeInstanceOf(ResourceNotFoundError);
  });

  it('lets other errors propagate unchanged', async () => {
    const error = sdkError(ServerException, 'Internal error', 500);
    ecr.on(DeleteRepositoryPolicyCommand).rejects(error);

    await expect(store.delete(repository)).rejects.toBe(error);
  });
});
