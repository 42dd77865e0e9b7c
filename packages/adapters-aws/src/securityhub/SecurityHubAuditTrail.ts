import { BatchUpdateFindingsCommand, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import { type AuditEntry, type AuditTrail, EcrComplianceError, truncate } from '@ecr-compliance/core';

/** Who Security Hub shows as the author of the note. */
const UPDATED_BY = 'ecr-compliance';

/** The UserDefinedFields the audit trail writes (and `SecurityHubFindingsStore.lastAction` reads). */
export const AUDIT_FIELDS = {
  action: 'ecr-compliance/LastAction',
  outcome: 'ecr-compliance/LastActionOutcome',
  at: 'ecr-compliance/LastActionAt',
  by: 'ecr-compliance/LastActionBy',
  repository: 'ecr-compliance/Repository',
} as const;

/**
 * Writes what was done on the finding that asked for it: a Note and UserDefinedFields through
 * BatchUpdateFindings. The use cases treat a failure as non-fatal and report it.
 */
export class SecurityHubAuditTrail implements AuditTrail {
  readonly #client: SecurityHubClient;

  constructor(options: { readonly client: SecurityHubClient }) {
    this.#client = options.client;
  }

  async record(
    finding: { readonly id: string; readonly productArn: string },
    entry: AuditEntry,
  ): Promise<void> {
    const text = `${entry.action === 'block' ? 'Blocked' : 'Unblocked'} pulls: ${entry.outcome} on ${entry.repositoryArn} at ${entry.at} by ${entry.by}`;
    const out = await this.#client.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [{ Id: finding.id, ProductArn: finding.productArn }],
        Note: { Text: truncate(text, 512), UpdatedBy: UPDATED_BY },
        UserDefinedFields: {
          [AUDIT_FIELDS.action]: entry.action,
          [AUDIT_FIELDS.outcome]: truncate(entry.outcome, 1024),
          [AUDIT_FIELDS.at]: entry.at,
          [AUDIT_FIELDS.by]: truncate(entry.by, 1024),
          [AUDIT_FIELDS.repository]: truncate(entry.repositoryArn, 1024),
        },
      }),
    );
    const unprocessed = out.UnprocessedFindings ?? [];
    if (unprocessed.length > 0) {
      const first = unprocessed[0];
      throw new EcrComplianceError(
        `BatchUpdateFindings did not update the finding: ${first?.ErrorCode ?? 'unknown'} ${first?.ErrorMessage ?? ''}`.trim(),
      );
    }
  }
}
