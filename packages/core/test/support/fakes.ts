/** In-memory implementations of the core's policy and audit ports, shared by the use-case tests. */
import {
  type AuditEntry,
  type AuditTrail,
  type RepositoryPolicyStore,
  type RepositoryReference,
  ResourceNotFoundError,
} from '@ecr-compliance/core';

/** A repository policy in memory, with every read and write counted. */
export class InMemoryPolicies implements RepositoryPolicyStore {
  readonly writes: string[] = [];
  reads = 0;
  constructor(public text: string | null = null) {}
  async get(_: RepositoryReference) {
    this.reads += 1;
    return this.text;
  }
  async set(_: RepositoryReference, policyText: string) {
    this.writes.push('set');
    this.text = policyText;
  }
  async delete(_: RepositoryReference) {
    this.writes.push('delete');
    this.text = null;
  }
}

/** An audit trail in memory; `fail` makes every record throw, as BatchUpdateFindings down would. */
export class InMemoryAudit implements AuditTrail {
  readonly entries: Array<{ id: string; productArn: string; entry: AuditEntry }> = [];
  constructor(private readonly fail = false) {}
  async record(finding: { id: string; productArn: string }, entry: AuditEntry) {
    if (this.fail) throw new Error('BatchUpdateFindings is down');
    this.entries.push({ id: finding.id, productArn: finding.productArn, entry });
  }
}

/**
 * Policies of several repositories in memory, by repository name. Every write is recorded with
 * its repository; `unreadable` repositories hold text that is no policy, `missing` ones do not
 * exist. `maxInFlight` is the most calls that were ever running at once (a race shows as 2).
 */
export class InMemoryRegistry implements RepositoryPolicyStore {
  readonly policies = new Map<string, string>();
  readonly writes: Array<{ repositoryName: string; op: 'set' | 'delete' }> = [];
  readonly reads: string[] = [];
  maxInFlight = 0;
  private inFlight = 0;
  constructor(private readonly options: { readonly missing?: readonly string[] } = {}) {}
  private async step<T>(repository: RepositoryReference, work: () => T): Promise<T> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      // Yield to the event loop, as a network call would, so that concurrent callers interleave.
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (this.options.missing?.includes(repository.repositoryName)) {
        throw new ResourceNotFoundError('repository', `repository ${repository.repositoryName} not found`);
      }
      return work();
    } finally {
      this.inFlight -= 1;
    }
  }
  async get(repository: RepositoryReference) {
    this.reads.push(repository.repositoryName);
    return this.step(repository, () => this.policies.get(repository.repositoryName) ?? null);
  }
  async set(repository: RepositoryReference, policyText: string) {
    return this.step(repository, () => {
      this.writes.push({ repositoryName: repository.repositoryName, op: 'set' });
      this.policies.set(repository.repositoryName, policyText);
    });
  }
  async delete(repository: RepositoryReference) {
    return this.step(repository, () => {
      this.writes.push({ repositoryName: repository.repositoryName, op: 'delete' });
      this.policies.delete(repository.repositoryName);
    });
  }
}
