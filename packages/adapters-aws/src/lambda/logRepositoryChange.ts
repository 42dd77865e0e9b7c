import type { Logger } from '@aws-lambda-powertools/logger';
import type { RepositoryActionOutcome } from '@ecr-compliance/core';

/** A block or unblock that was carried out (changed or not). */
export type RepositoryChanged = Extract<
  RepositoryActionOutcome,
  { readonly status: 'blocked' | 'unblocked' }
>;

/**
 * Logs a block or unblock that was carried out: one INFO line with the repository, whether the
 * policy changed or was deleted, the audit outcome and the block mark, plus a WARN when the audit
 * note, or the mark on some image findings, could not be written. The same lines for a person's click and for automatic remediation.
 */
export function logRepositoryChange(logger: Logger, outcome: RepositoryChanged): void {
  logger.info(`repository ${outcome.status}`, {
    findingId: outcome.findingId,
    repository: outcome.repositoryArn,
    changed: outcome.changed,
    policyDeleted: outcome.policyDeleted,
    audit: outcome.audit,
    ...(outcome.mark ? { mark: outcome.mark } : {}),
  });
  if ('error' in outcome.audit) {
    logger.warn('audit trail not written', { findingId: outcome.findingId, error: outcome.audit.error });
  }
  const mark = outcome.mark;
  if (mark && ('error' in mark || mark.failed.length > 0)) {
    logger.warn('block mark not written on every image finding', {
      repository: outcome.repositoryArn,
      value: mark.value,
      ...('error' in mark ? { error: mark.error } : { failed: mark.failed.slice(0, 20) }),
    });
  }
}
