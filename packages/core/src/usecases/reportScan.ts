import type { AsffFinding } from '../asff/AsffFinding.js';
import { type FindingGranularity, toAsffFindings } from '../asff/toAsffFindings.js';
import type { PublishError } from '../errors.js';
import type { FindingsPublisher, ImageReference, PublishResult, ScanFindingsSource } from '../ports.js';
import { publishAll } from './publishAll.js';

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
  const publish = await publishAll(deps.publisher, findings, {
    subject: `for ${scanned.repositoryName}@${scanned.imageDigest}`,
    verb: 'imported',
  });
  return {
    repositoryName: scanned.repositoryName,
    imageDigest: scanned.imageDigest,
    vulnerabilities: scanned.vulnerabilities.length,
    findings: findings.length,
    publish,
  };
}
