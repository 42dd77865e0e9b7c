import type { ImageIdentity } from '../ports.js';
import type { ArchiveImageResult } from './archiveImageFindings.js';

/** An action on an image in its registry (ECR's "ECR Image Action" event), as parsed. */
export interface ImageAction {
  readonly image: ImageIdentity;
  /** What was done, e.g. `PUSH` or `DELETE`. */
  readonly actionType: string;
  /** How it ended, e.g. `SUCCESS` or `FAILURE`. */
  readonly result: string;
}

/** What an image action asks of the findings: archive those of the image, or nothing (with the reason, as a result). */
export type ImageActionDecision =
  | { readonly archive: true; readonly image: ImageIdentity }
  | { readonly archive: false; readonly result: Extract<ArchiveImageResult, { outcome: 'skipped' }> };

/**
 * Rule "which image actions archive findings": only a deletion that succeeded
 * (`DELETE` with `SUCCESS`, exactly as ECR writes them). A push, or a deletion that failed and
 * left the image in place, archives nothing; its `skipped` result says why. Run it before
 * {@link archiveImageFindings}.
 */
export function decideImageAction(action: ImageAction): ImageActionDecision {
  if (action.actionType === 'DELETE' && action.result === 'SUCCESS') {
    return { archive: true, image: action.image };
  }
  return {
    archive: false,
    result: {
      outcome: 'skipped',
      repositoryName: action.image.repositoryName,
      imageDigest: action.image.imageDigest,
      reason: `action ${action.actionType} with result ${action.result}: only a successful DELETE archives findings`,
    },
  };
}
