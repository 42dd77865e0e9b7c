import { BatchUpdateFindingsCommand, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import { type AuditEntry, type AuditTrail, EcrComplianceError, truncate } from '@ecr-compliance/core';

/** Who Security Hub shows as the author of the note. */
const UPDATED_BY = 'ecr-compliance';

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
          'ecr-compliance/LastAction': entry.action,
          'ecr-compliance/LastActionOutcome': truncate(entry.outcome, 1024),
          'ecr-compliance/LastActionAt': entry.at,
          'ecr-compliance/LastActionBy': truncate(entry.by, 1024),
          'ecr-compliance/Repository': truncate(entry.repositoryArn, 1024),
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
