import { type ECRClient, paginateListImages } from '@aws-sdk/client-ecr';
import { type RepositoryImages, type RepositoryReference, ResourceNotFoundError } from '@ecr-compliance/core';
import { errorName } from '../awsErrors.js';

/**
 * The images a repository holds now, through ListImages (1,000 per page, tagged and untagged).
 * An image with several tags is listed once per tag; its digest is returned once (a Set: linear).
 * With `limit`, no further page is read once more than `limit` digests are known.
 */
export class EcrRepositoryImages implements RepositoryImages {
  readonly #client: ECRClient;

  constructor(options: { readonly client: ECRClient }) {
    this.#client = options.client;
  }

  async digestsOf(
    repository: RepositoryReference,
    options: { readonly limit?: number } = {},
  ): Promise<readonly string[]> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const digests = new Set<string>();
    try {
      const pages = paginateListImages(
        { client: this.#client, pageSize: 1000 },
        {
          repositoryName: repository.repositoryName,
          ...(repository.accountId ? { registryId: repository.accountId } : {}),
        },
      );
      for await (const page of pages) {
        for (const id of page.imageIds ?? []) if (id.imageDigest) digests.add(id.imageDigest);
        if (digests.size > limit) break;
      }
    } catch (error) {
      if (errorName(error) !== 'RepositoryNotFoundException') throw error;
      throw new ResourceNotFoundError(
        'repository',
        `repository ${repository.repositoryName} not found in registry ${repository.accountId ?? "(the caller's)"}`,
        { cause: error },
      );
    }
    return [...digests].slice(0, limit + 1);
  }
}
