import type { AsffFinding } from '../asff/AsffFinding.js';
import { type FindingGranularity, toAsffFindings } from '../asff/toAsffFindings.js';
import { PublishError } from '../errors.js';
import type { FindingsPublisher, ImageReference, PublishResult, ScanFindingsSource } from '../ports.js';

/** Result of {@link reportScan}. */
export interface ReportScanResult {
  readonly repositoryName: string;
  readonly imageDigest: string;
  readonly vulnerabilities: number;
  readonly findings: number;
  readonly publish: PublishResult;
}

/**
 * Use case "report a completed scan": fetch the scan, map it to ASFF, publish. A finding that
 * finally failed to publish fails the whole report ({@link PublishError}), so that the event
 * reaches the failure destination instead of being lost.
 */
export async function reportScan(
  deps: { readonly source: ScanFindingsSource; readonly publisher: FindingsPublisher },
  image: ImageReference,
  options: { readonly granularity?: FindingGranularity } = {},
): Promise<ReportScanResult> {
  const scanned = await deps.source.getScan(image);
  const findings: AsffFinding[] = toAsffFindings(scanned, options);
  const publish = await deps.publisher.publish(findings);
  if (publish.failed.length > 0) {
    const codes = [...new Set(publish.failed.map((f) => f.errorCode))].join(', ');
    throw new PublishError(
      `${publish.failed.length} of ${findings.length} findings for ${scanned.repositoryName}@${scanned.imageDigest} could not be imported (${codes})`,
      publish.failed,
    );
  }
  return {
    repositoryName: scanned.repositoryName,
    imageDigest: scanned.imageDigest,
    vulnerabilities: scanned.vulnerabilities.length,
    findings: findings.length,
    publish,
  };
}
