import '../support/mockMatchers.js';
import {
  ECRClient,
  ListImagesCommand,
  RepositoryNotFoundException,
  ServerException,
} from '@aws-sdk/client-ecr';
import { ResourceNotFoundError } from '@ecr-compliance/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { EcrRepositoryImages } from '../../src/ecr/EcrRepositoryImages.js';
import { ACCOUNT, DIGEST, REPOSITORY, sdkError } from './helpers.js';

const ecr = mockClient(ECRClient);
const images = new EcrRepositoryImages({ client: new ECRClient({ region: 'us-east-1', maxAttempts: 1 }) });
const repository = { accountId: ACCOUNT, region: 'us-east-1', repositoryName: REPOSITORY };
const OTHER = `sha256:${'b'.repeat(64)}`;

beforeEach(() => {
  ecr.reset();
});

afterAll(() => {
  ecr.restore();
});

describe('EcrRepositoryImages', () => {
  it('lists every page, 1,000 at a time, and returns each digest once however many tags it has', async () => {
    ecr
      .on(ListImagesCommand)
      .resolvesOnce({
        imageIds: [
          { imageDigest: DIGEST, imageTag: '1.8.2' },
          { imageDigest: DIGEST, imageTag: 'latest' },
        ],
        nextToken: 'page-2',
      })
      .resolves({ imageIds: [{ imageDigest: OTHER }, { imageTag: 'no-digest' }] });

    expect(await images.digestsOf(repository)).toEqual([DIGEST, OTHER]);
    const inputs = ecr.commandCalls(ListImagesCommand).map((call) => call.args[0].input);
    expect(inputs).toHaveLength(2);
    expect(inputs[0]).toMatchObject({ repositoryName: REPOSITORY, registryId: ACCOUNT, maxResults: 1000 });
    expect(inputs[1]).toMatchObject({ repositoryName: REPOSITORY, maxResults: 1000, nextToken: 'page-2' });
  });

  it('stops reading pages once more digests than the limit are known', async () => {
    const page = (n: number) =>
      Array.from({ length: 1000 }, (_, i) => ({
        imageDigest: `sha256:${(n * 1000 + i).toString(16).padStart(64, '0')}`,
      }));
    ecr
      .on(ListImagesCommand)
      .resolvesOnce({ imageIds: page(0), nextToken: 'page-2' })
      .resolvesOnce({ imageIds: page(1), nextToken: 'page-3' })
      .resolves({ imageIds: page(2) });

    const digests = await images.digestsOf(repository, { limit: 1000 });

    expect(digests).toHaveLength(1001);
    expect(ecr).toHaveReceivedCommandTimes(ListImagesCommand, 2);
  });

  it("asks the caller's registry when none is named", async () => {
    ecr.on(ListImagesCommand).resolves({ imageIds: [] });
    expect(await images.digestsOf({ region: 'us-east-1', repositoryName: REPOSITORY })).toEqual([]);
    const input = ecr.commandCalls(ListImagesCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ repositoryName: REPOSITORY, maxResults: 1000 });
    expect(input?.registryId).toBeUndefined();
  });

  it('names a missing repository with a ResourceNotFoundError', async () => {
    ecr
      .on(ListImagesCommand)
      .rejects(sdkError(RepositoryNotFoundException, 'The repository does not exist', 400));
    const error = await images.digestsOf(repository).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundError);
    expect((error as Error).message).toBe(`repository ${REPOSITORY} not found in registry ${ACCOUNT}`);
  });

  it('passes other errors on unchanged', async () => {
    ecr.on(ListImagesCommand).rejects(sdkError(ServerException, 'boom', 500));
    await expect(images.digestsOf(repository)).rejects.toMatchObject({ name: 'ServerException' });
  });
});
