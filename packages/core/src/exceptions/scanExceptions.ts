/** Exceptions in the reconciliation of a scan: what the image finding counts apart, and the workflow of the scan's findings. */
import type { AsffFinding } from '../asff/AsffFinding.js';
import type { ScannedImage, Vulnerability } from '../model.js';
import type { StoredFinding } from '../ports.js';
import type { ExceptionRecord } from './ExceptionRecord.js';
import { type ExceptionCandidate, planExceptionUpdates, vulnerabilityTarget } from './exceptionEffects.js';
import { activeExceptionFor } from './matching.js';
import type { FindingsWorkflow } from './ports.js';

/** What {@link scanExceptions} gives the reconciliation. */
export interface ScanExceptions {
  /** The id of the active exception that covers a vulnerability of the scan, if any. */
  readonly exceptionFor: (v: Vulnerability) => string | undefined;
  /**
   * After the import: suppresses the scan's findings an active exception covers and gives back
   * those of ended ones; the stored copies tell what Security Hub holds (Workflow, UserDefinedFields).
   */
  applyTo(
    workflow: FindingsWorkflow,
    current: readonly AsffFinding[],
    stored: readonly StoredFinding[],
  ): Promise<{ readonly suppressed: number; readonly restored: number; readonly failed: number }>;
}

/** Exceptions of one scanned image at `now`. */
export function scanExceptions(
  image: ScannedImage,
  exceptions: readonly ExceptionRecord[],
  now: string,
): ScanExceptions {
  return {
    exceptionFor: (v) => activeExceptionFor(exceptions, vulnerabilityTarget(image, v), now)?.id,
    async applyTo(workflow, current, stored) {
      const byId = new Map(stored.map((f) => [f.Id, f]));
      const candidates: ExceptionCandidate[] = current.map((f) => {
        const previous = byId.get(f.Id);
        const candidate: ExceptionCandidate = {
          ...f,
          ...(previous?.Workflow ? { Workflow: previous.Workflow as { Status?: string } } : {}),
          ...(previous?.UserDefinedFields
            ? { UserDefinedFields: previous.UserDefinedFields as Record<string, string> }
            : {}),
        };
        return candidate;
      });
      const updates = planExceptionUpdates(candidates, exceptions, now);
      if (updates.length === 0) return { suppressed: 0, restored: 0, failed: 0 };
      const { failed } = await workflow.apply(updates);
      return {
        suppressed: updates.filter((u) => u.status === 'SUPPRESSED').length,
        restored: updates.filter((u) => u.status === 'NEW').length,
        failed: failed.length,
      };
    },
  };
}
