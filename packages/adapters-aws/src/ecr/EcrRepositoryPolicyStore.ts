import {
  DeleteRepositoryPolicyCommand,
  type ECRClient,
  GetRepositoryPolicyCommand,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import {
  type RepositoryPolicyStore,
  type RepositoryReference,
  ResourceNotFoundError,
} from '@ecr-compliance/core';
import { errorName } from '../awsErrors.js';

/**
 * Repository policies through Get/Set/DeleteRepositoryPolicy. "No policy" is null; a missing
 * repository is a {@link ResourceNotFoundError}. Never writes on its own: the use cases decide.
 */
export class EcrRepositoryPolicyStore implements RepositoryPolicyStore {
  readonly #client: ECRClient;

  constructor(options: { readonly client: ECRClient }) {
    this.#client = options.client;
  }

  async get(repository: RepositoryReference): Promise<string | null> {
    try {
      const out = await this.#client.send(new GetRepositoryPolicyCommand(this.#target(repository)));
      return out.policyText ?? null;
    } catch (error) {
      if (errorName(error) === 'RepositoryPolicyNotFoundException') return null;
      throw this.#translate(error, repository);
    }
  }

  async set(repository: RepositoryReference, policyText: string): Promise<void> {
    try {
      await this.#client.send(new SetRepositoryPolicyCommand({ ...this.#target(repository), policyText }));
    } catch (error) {
      throw this.#translate(error, repository);
    }
  }

  async delete(repository: RepositoryReference): Promise<void> {
    try {
      await this.#client.send(new DeleteRepositoryPolicyCommand(this.#target(repository)));
    } catch (error) {
      if (errorName(error) === 'RepositoryPolicyNotFoundException') return;
      throw this.#translate(error, repository);
    }
  }

  #target(repository: RepositoryReference) {
    return {
      repositoryName: repository.repositoryName,
      ...(repository.accountId ? { registryId: repository.accountId } : {}),
    };
  }

  #translate(error: unknown, repository: RepositoryReference): unknown {
    if (errorName(error) !== 'RepositoryNotFoundException') return error;
    return new ResourceNotFoundError(
      'repository',
      `repository ${repository.repositoryName} not found in registry ${repository.accountId ?? "(the caller's)"}`,
      { cause: error },
    );
  }
}
