import type { AsffFinding } from '../asff/AsffFinding.js';
import { fromStoredFinding } from '../asff/fromStoredFinding.js';
import { hasOurPrefix } from '../findings/rules.js';
import type { FindingsPublisher, FindingsStore, ImageIdentity, PublishResult } from '../ports.js';
import { publishAll } from './publishAll.js';
import { instant, isActive, latestUpdate, trustedFindings, wholeFindingsOf } from './reconcileScan.js';

/** Result of {@link archiveImageFindings}. */
export type ArchiveImageResult =
  | {
      readonly outcome: 'archived';
      readonly repositoryName: string;
      readonly imageDigest: string;
      readonly archived: number;
      readonly publish: PublishResult;
    }
  | {
      readonly outcome: 'skipped';
      readonly repositoryName: string;
      readonly imageDigest: string;
      readonly reason: string;
    };

/**
 * Use case "an image was deleted": every ACTIVE finding of this tool on the image, of any
 * scanner, is imported again as ARCHIVED with `at` (the deletion's time) as UpdatedAt. Security
 * Hub ignores an update that is not strictly later, so an event older than the stored findings
 * is a `skipped` result, as is an image without active findings. The same deletion again (a
 * repeated or redriven event) archives only what its first run did not. A stored finding updated
 * later than `now` plus the skew is not believed ({@link trustedFindings}): it neither makes the
 * deletion "older" nor is archived.
 */
export async function archiveImageFindings(
  deps: { readonly store: FindingsStore; readonly publisher: FindingsPublisher },
  image: ImageIdentity,
  at: string,
  now: string,
): Promise<ArchiveImageResult> {
  const names = { repositoryName: image.repositoryName, imageDigest: image.imageDigest };
  const { trusted: stored } = trustedFindings(
    (await deps.store.findingsOf(image)).filter((f) => hasOurPrefix(f.GeneratorId)),
    now,
  );
  const latest = latestUpdate(stored);
  if (!latest) return { outcome: 'skipped', ...names, reason: 'the image has no findings of ecr-compliance' };
  if (instant(latest.UpdatedAt) > instant(at)) {
    return {
      outcome: 'skipped',
      ...names,
      reason: `the deletion at ${at} is older than the stored findings (updated ${latest.UpdatedAt}): an older event`,
    };
  }
  // The same deletion again (a repeated or redriven event) archives only what is still active.
  const active = stored.filter((f) => isActive(f) && instant(f.UpdatedAt) < instant(at));
  if (active.length === 0) {
    return {
      outcome: 'skipped',
      ...names,
      reason:
        instant(latest.UpdatedAt) === instant(at)
          ? `nothing of the deletion at ${at} is left to archive: a repeated event`
          : 'every finding of the image is already archived',
    };
  }
  const findings: AsffFinding[] = (await wholeFindingsOf(deps.store, image, active)).map((f) =>
    fromStoredFinding(f, { RecordState: 'ARCHIVED', UpdatedAt: at }),
  );
  const publish = await publishAll(deps.publisher, findings, {
    subject: `of deleted image ${image.repositoryName}@${image.imageDigest}`,
    verb: 'archived',
  });
  return { outcome: 'archived', ...names, archived: findings.length, publish };
}
