/** Exceptions, findings and in-memory ports shared by the exception tests of the core. */
import type {
  ExceptionCandidate,
  ExceptionFindings,
  ExceptionRecord,
  ExceptionScope,
  ExceptionStore,
  ExceptionUpdate,
  FindingsWorkflow,
} from '@ecr-compliance/core';

export const ACCOUNT = '111122223333';
export const NOW = '2026-12-02T12:00:00.000Z';
export const DIGEST = `sha256:${'a'.repeat(64)}`;

/** A valid exception, ending 30 days after NOW, with `patch` applied. */
export function exception(patch: Partial<ExceptionRecord> = {}): ExceptionRecord {
  return {
    id: 'exc-1',
    vulnerabilityId: 'CVE-2026-1000',
    scope: { accountId: ACCOUNT, repositoryName: 'team-a/payments-api' },
    justification: 'vulnerable_code_not_in_execute_path',
    statement: 'the TLS renegotiation path is never used',
    owner: 'team-a@example.com',
    createdAt: NOW,
    expiresAt: '2027-01-01T12:00:00.000Z',
    ...patch,
  };
}

/** A stored vulnerability finding of the image about `vulnerabilityId`. */
export function finding(
  vulnerabilityId: string,
  patch: Partial<ExceptionCandidate> & { repositoryName?: string; digest?: string } = {},
): ExceptionCandidate {
  const { repositoryName = 'team-a/payments-api', digest = DIGEST, ...rest } = patch;
  return {
    Id: `ecr-compliance/ecr-basic/${ACCOUNT}/us-east-1/${repositoryName}/${digest}/${vulnerabilityId}`,
    ProductArn: `arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default`,
    RecordState: 'ACTIVE',
    Workflow: { Status: 'NEW' },
    Resources: [{ Id: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${repositoryName}/${digest}` }],
    Vulnerabilities: [
      { Id: vulnerabilityId, VulnerablePackages: [{ Name: 'openssl', Version: '1.1.1k-r0' }] },
    ],
    ...rest,
  };
}

/** Exceptions in memory. */
export class InMemoryExceptions implements ExceptionStore {
  readonly records = new Map<string, ExceptionRecord>();
  readonly announcedIds = new Set<string>();
  constructor(records: readonly ExceptionRecord[] = []) {
    for (const r of records) this.records.set(r.id, r);
  }
  async list() {
    return [...this.records.values()];
  }
  async put(record: ExceptionRecord) {
    this.records.set(record.id, record);
  }
  async remove(id: string) {
    const r = this.records.get(id);
    this.records.delete(id);
    return r;
  }
  async markAnnounced(id: string) {
    this.announcedIds.add(id);
  }
  async announced(id: string) {
    return this.announcedIds.has(id);
  }
}

/** Findings in memory that apply the updates as Security Hub would (Workflow, Note, UserDefinedFields). */
export class InMemoryFindings implements ExceptionFindings, FindingsWorkflow {
  readonly applied: ExceptionUpdate[] = [];
  readonly notes = new Map<string, string>();
  constructor(public findings: ExceptionCandidate[] = []) {}
  async coveredBy(_: ExceptionScope, __: string) {
    return this.findings;
  }
  async marked(_: string) {
    return this.findings.filter((f) => f.UserDefinedFields?.['ecr-compliance/ExceptionId'] !== undefined);
  }
  async apply(updates: readonly ExceptionUpdate[]) {
    for (const u of updates) {
      this.applied.push(u);
      this.notes.set(u.finding.id, u.note);
      this.findings = this.findings.map((f) =>
        f.Id === u.finding.id
          ? {
              ...f,
              Workflow: { Status: u.status },
              UserDefinedFields: {
                ...f.UserDefinedFields,
                'ecr-compliance/ExceptionId': u.exceptionId,
                'ecr-compliance/ExceptionState': u.status === 'SUPPRESSED' ? 'active' : 'ended',
              },
            }
          : f,
      );
    }
    return { failed: [] };
  }
}
