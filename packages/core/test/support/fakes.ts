/** In-memory implementations of the core's policy and audit ports, shared by the use-case tests. */
import type {
  AuditEntry,
  AuditTrail,
  RepositoryPolicyStore,
  RepositoryReference,
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
