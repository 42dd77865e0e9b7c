/** Exceptions in automatic remediation: excepted vulnerabilities neither ask for a block nor hold one. */
import type { ScannedImage } from '../model.js';
import type { ExceptionRecord } from './ExceptionRecord.js';
import { type ExceptionCandidate, exceptionTargetOf, vulnerabilityTarget } from './exceptionEffects.js';
import { activeExceptionFor } from './matching.js';

/** The active exceptions automatic remediation applies, read once per event. */
export interface ActiveExceptions {
  readonly records: readonly ExceptionRecord[];
  /** ISO-8601: exceptions are judged at this instant. */
  readonly now: string;
}

/** ECR's scan of an image without the vulnerabilities an active exception covers (and their ids). */
export function withoutExcepted(
  scan: ScannedImage,
  exceptions: ActiveExceptions | undefined,
): { readonly scan: ScannedImage; readonly excepted: readonly string[] } {
  if (!exceptions || exceptions.records.length === 0) return { scan, excepted: [] };
  const excepted: string[] = [];
  const vulnerabilities = scan.vulnerabilities.filter((v) => {
    const hit = activeExceptionFor(exceptions.records, vulnerabilityTarget(scan, v), exceptions.now);
    if (hit) excepted.push(hit.id);
    return hit === undefined;
  });
  return { scan: { ...scan, vulnerabilities }, excepted };
}

/** Whether a stored finding (this tool's or Inspector's) is covered by an active exception. */
export function isExcepted(finding: unknown, exceptions: ActiveExceptions | undefined): boolean {
  if (!exceptions || exceptions.records.length === 0) return false;
  const target = exceptionTargetOf(finding as ExceptionCandidate);
  return target !== undefined && activeExceptionFor(exceptions.records, target, exceptions.now) !== undefined;
}
