/**
 * When an exception starts or ends, the image finding of each image it touches counts again: its
 * severity is that of the vulnerabilities no active exception covers. It is re-mapped from the
 * scan and imported with `now` as its UpdatedAt, so that Security Hub takes it (an equal or older
 * UpdatedAt is ignored) and sends it to automatic remediation, which may block again.
 */
import { findingFingerprint, storedFingerprint, withFingerprint } from '../asff/fingerprint.js';
import { imageFindingId } from '../asff/identity.js';
import { toAsffFindings } from '../asff/toAsffFindings.js';
import type { CustomActionReference } from '../config.js';
import { ResourceNotFoundError, ScanNotCompleteError } from '../errors.js';
import type { ImageIdentity } from '../model.js';
import { parseScannedImage } from '../modelSchema.js';
import type { FindingsPublisher, FindingsStore, ScanFindingsSource } from '../ports.js';
import type { ExceptionRecord } from './ExceptionRecord.js';
import { type ExceptionUpdate, vulnerabilityTarget } from './exceptionEffects.js';
import { activeExceptionFor } from './matching.js';

/** What re-evaluating an image finding needs: the scan, the stored findings and the publisher. */
export interface ImageReevaluationDeps {
  readonly source: ScanFindingsSource;
  readonly store: FindingsStore;
  readonly publisher: FindingsPublisher;
  readonly blockAction?: CustomActionReference;
}

/** What happened to one image's finding. */
export type ImageReevaluation =
  | { readonly image: ImageIdentity; readonly outcome: 'imported' | 'unchanged' }
  /** ECR has no usable scan of the image (deleted, not scanned): nothing to re-evaluate. */
  | { readonly image: ImageIdentity; readonly outcome: 'skipped'; readonly reason: string }
  | { readonly image: ImageIdentity; readonly outcome: 'failed'; readonly error: string };

/**
 * Whether a finding comes from ECR's own scan (this tool's `ecr-basic` and `ecr-enhanced` findings,
 * Amazon Inspector's): only their images have an image finding that ECR's scan can map again.
 * Trivy's and Grype's image findings count excepted vulnerabilities apart at their next import.
 */
function fromEcrScan(f: { readonly ProductArn?: string; readonly GeneratorId?: string }): boolean {
  return (
    (f.GeneratorId?.startsWith('ecr-compliance/ecr-') ?? false) ||
    /^arn:aws[a-z-]*:securityhub:[a-z0-9-]+::product\/aws\/inspector$/.test(f.ProductArn ?? '')
  );
}

/** The images (ECR image ARNs of the findings) that exception updates touched, each once, of ECR-scanned findings. */
export function imagesOf(
  updates: readonly ExceptionUpdate[],
  findings: ReadonlyArray<{
    readonly Id: string;
    readonly ProductArn?: string;
    readonly GeneratorId?: string;
    readonly Resources?: ReadonlyArray<{ readonly Id: string }>;
  }>,
  parse: (resourceId: string) => ImageIdentity | undefined,
): ImageIdentity[] {
  const ids = new Set(updates.map((u) => u.finding.id));
  const out = new Map<string, ImageIdentity>();
  for (const f of findings) {
    if (!ids.has(f.Id) || !fromEcrScan(f)) continue;
    for (const r of f.Resources ?? []) {
      const image = parse(r.Id);
      if (image)
        out.set(`${image.accountId}/${image.region}/${image.repositoryName}@${image.imageDigest}`, image);
    }
  }
  return [...out.values()];
}

/** Re-maps one image's finding with the exceptions active at `now` and imports it when it changed. */
export async function reevaluateImageFinding(
  deps: ImageReevaluationDeps,
  image: ImageIdentity,
  exceptions: readonly ExceptionRecord[],
  now: string,
): Promise<ImageReevaluation> {
  try {
    const scanned = parseScannedImage(
      await deps.source.getScan({
        accountId: image.accountId,
        repositoryName: image.repositoryName,
        imageDigest: image.imageDigest,
      }),
    );
    const [finding] = toAsffFindings(scanned, {
      granularity: 'image',
      exceptionFor: (v) => activeExceptionFor(exceptions, vulnerabilityTarget(scanned, v), now)?.id,
      ...(deps.blockAction ? { blockAction: deps.blockAction } : {}),
    });
    if (!finding) return { image, outcome: 'unchanged' };
    const stored = (await deps.store.findingsOf(scanned)).find((f) => f.Id === imageFindingId(scanned));
    const fingerprint = findingFingerprint(finding);
    if (stored && stored.RecordState !== 'ARCHIVED' && storedFingerprint(stored) === fingerprint)
      return { image, outcome: 'unchanged' };
    const updatedAt = stored && Date.parse(stored.UpdatedAt) >= Date.parse(now) ? undefined : now;
    if (updatedAt === undefined) return { image, outcome: 'unchanged' };
    const kept = {
      ...finding,
      UpdatedAt: updatedAt,
      ...(stored
        ? { CreatedAt: stored.CreatedAt, FirstObservedAt: stored.FirstObservedAt ?? stored.CreatedAt }
        : {}),
    };
    const result = await deps.publisher.publish([withFingerprint(kept, fingerprint)]);
    const failure = result.failed[0];
    return failure
      ? { image, outcome: 'failed', error: `${failure.errorCode}: ${failure.errorMessage}` }
      : { image, outcome: 'imported' };
  } catch (error) {
    if (error instanceof ResourceNotFoundError || error instanceof ScanNotCompleteError)
      return { image, outcome: 'skipped', reason: error.message };
    return {
      image,
      outcome: 'failed',
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
}
