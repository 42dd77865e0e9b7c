import { type ECRClient, paginateDescribeRepositories } from '@aws-sdk/client-ecr';
import { parseEcrArn, type RepositoryIdentity, ResourceNotFoundError } from '@ecr-compliance/core';
import { errorName } from '../awsErrors.js';

/**
 * The repositories of a registry, through DescribeRepositories (1,000 per page, every page), each
 * with the account and Region its ARN names.
 */
export class EcrRepositories {
  readonly #client: ECRClient;

  constructor(options: { readonly client: ECRClient }) {
    this.#client = options.client;
  }

  /**
   * Every repository of the registry (`accountId` absent: the caller's), sorted by name; or only
   * `repositoryNames`.
   *
   * @throws ResourceNotFoundError when a named repository does not exist
   */
  async list(
    options: { readonly accountId?: string; readonly repositoryNames?: readonly string[] } = {},
  ): Promise<RepositoryIdentity[]> {
    const out: RepositoryIdentity[] = [];
    try {
      const pages = paginateDescribeRepositories(
        { client: this.#client, ...(options.repositoryNames ? {} : { pageSize: 1000 }) },
        {
          ...(options.accountId ? { registryId: options.accountId } : {}),
          ...(options.repositoryNames ? { repositoryNames: [...options.repositoryNames] } : {}),
        },
      );
      for await (const page of pages) {
        for (const repository of page.repositories ?? []) {
          const arn = parseEcrArn(repository.repositoryArn ?? '');
          if (arn)
            out.push({ accountId: arn.accountId, region: arn.region, repositoryName: arn.repositoryName });
        }
      }
    } catch (error) {
      if (errorName(error) !== 'RepositoryNotFoundException') throw error;
      throw new ResourceNotFoundError(
        'repository',
        `repository ${options.repositoryNames?.join(', ')} not found in registry ${options.accountId ?? "(the caller's)"}`,
        { cause: error },
      );
    }
    return out.sort((a, b) =>
      a.repositoryName < b.repositoryName ? -1 : a.repositoryName > b.repositoryName ? 1 : 0,
    );
  }
}
