/** In-memory implementations of the core's policy and audit ports, shared by the use-case tests. */
import {
  type AuditEntry,
  type AuditTrail,
  type BlockMarks,
  type FindingIdentifier,
  type RepositoryIdentity,
  type RepositoryPolicyStore,
  type RepositoryReference,
  ResourceNotFoundError,
  type StoredFinding,
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

/**
 * Findings that can carry the block mark, in memory: `imageFindingsOf` returns every finding it
 * holds (as a store that ignores filters would), `write` merges the field into the finding's
 * UserDefinedFields. `failReads` makes reads throw; `failIds` are findings a write cannot update.
 */
export class InMemoryBlockMarks implements BlockMarks {
  readonly reads: RepositoryIdentity[] = [];
  readonly writes: Array<{ ids: string[]; value: string }> = [];
  constructor(
    public findings: StoredFinding[],
    private readonly options: { readonly failReads?: boolean; readonly failIds?: readonly string[] } = {},
  ) {}
  async imageFindingsOf(repository: RepositoryIdentity) {
    this.reads.push(repository);
    if (this.options.failReads) throw new Error('GetFindings is down');
    return this.findings;
  }
  async write(identifiers: readonly FindingIdentifier[], value: string) {
    this.writes.push({ ids: identifiers.map((i) => i.id), value });
    const failed: Array<{ id: string; error: string }> = [];
    this.findings = this.findings.map((f) => {
      if (!identifiers.some((i) => i.id === f.Id)) return f;
      if (this.options.failIds?.includes(f.Id)) {
        failed.push({ id: f.Id, error: 'FindingNotFound: Finding Not Found' });
        return f;
      }
      const fields = (f.UserDefinedFields ?? {}) as Record<string, string>;
      return { ...f, UserDefinedFields: { ...fields, 'ecr-compliance/RepositoryBlocked': value } };
    });
    return { failed };
  }
  /** The mark of each finding, by Id (undefined: none). */
  marks(): Record<string, string | undefined> {
    return Object.fromEntries(
      this.findings.map((f) => [
        f.Id,
        (f.UserDefinedFields as Record<string, string> | undefined)?.['ecr-compliance/RepositoryBlocked'],
      ]),
    );
  }
}
