/**
 * What exceptions do to findings: which findings to suppress (with a note naming the exception)
 * and which to give back to NEW (with a note that the exception ended). Pure: the findings, the
 * exceptions and `now` come in; the updates go out, for a port to write with BatchUpdateFindings.
 */

import { parseEcrArn } from '../asff/identity.js';
import { truncate } from '../asff/text.js';
import type { Vulnerability } from '../model.js';
import type { ExceptionRecord } from './ExceptionRecord.js';
import { activeExceptionFor, type ExceptionTarget, exceptionState } from './matching.js';

/** The UserDefinedFields key that names the exception a finding was suppressed for. */
export const EXCEPTION_ID_FIELD = 'ecr-compliance/ExceptionId';
/** The UserDefinedFields key that says whether that exception still holds (`active`, `ended`). */
export const EXCEPTION_STATE_FIELD = 'ecr-compliance/ExceptionState';

/** A finding as far as exceptions read it: ASFF as imported, or as Security Hub returns it. */
export interface ExceptionCandidate {
  readonly Id: string;
  readonly ProductArn: string;
  readonly GeneratorId?: string;
  readonly RecordState?: string;
  readonly Workflow?: { readonly Status?: string };
  readonly UserDefinedFields?: Readonly<Record<string, string>>;
  readonly Resources?: ReadonlyArray<{ readonly Id: string }>;
  readonly Vulnerabilities?: ReadonlyArray<{
    readonly Id: string;
    readonly RelatedVulnerabilities?: readonly string[];
    readonly VulnerablePackages?: ReadonlyArray<{ readonly Name?: string; readonly Version?: string }>;
  }>;
}

/** One change of a finding's workflow that an exception asks for. */
export interface ExceptionUpdate {
  readonly finding: { readonly id: string; readonly productArn: string };
  /** SUPPRESSED while an exception holds, NEW once it ended. */
  readonly status: 'SUPPRESSED' | 'NEW';
  readonly exceptionId: string;
  /** At most 512 characters (Security Hub's Note limit). */
  readonly note: string;
}

/** The vulnerability of a finding that names an ECR image, as an exception matches it; undefined for image findings and others. */
export function exceptionTargetOf(finding: ExceptionCandidate): ExceptionTarget | undefined {
  const vulnerability = finding.Vulnerabilities?.[0];
  if (!vulnerability) return undefined;
  const image = (finding.Resources ?? [])
    .map((r) => parseEcrArn(r.Id))
    .find((arn) => arn?.imageDigest !== undefined);
  if (!image) return undefined;
  return {
    accountId: image.accountId,
    repositoryName: image.repositoryName,
    ...(image.imageDigest ? { imageDigest: image.imageDigest } : {}),
    vulnerabilityIds: [vulnerability.Id, ...(vulnerability.RelatedVulnerabilities ?? [])],
    packages: (vulnerability.VulnerablePackages ?? [])
      .filter((p): p is { Name: string; Version?: string } => typeof p.Name === 'string')
      .map((p) => (p.Version ? { name: p.Name, version: p.Version } : { name: p.Name })),
  };
}

/** The target of one vulnerability of a scanned image (for the image finding's count). */
export function vulnerabilityTarget(
  image: { readonly accountId: string; readonly repositoryName: string; readonly imageDigest: string },
  v: Vulnerability,
): ExceptionTarget {
  return {
    accountId: image.accountId,
    repositoryName: image.repositoryName,
    imageDigest: image.imageDigest,
    vulnerabilityIds: [v.id, ...v.relatedVulnerabilities],
    packages: v.packages.map((p) => (p.version ? { name: p.name, version: p.version } : { name: p.name })),
  };
}

/** The note on a finding an exception suppresses. */
export function suppressionNote(exception: ExceptionRecord): string {
  return truncate(
    `Suppressed by exception ${exception.id} of ${exception.owner} until ${exception.expiresAt} (${exception.justification}): ${exception.statement}`,
    512,
  );
}

/** The note on a finding whose exception ended. */
export function endNote(exceptionId: string, ended: ExceptionRecord | undefined, now: string): string {
  const why =
    ended === undefined
      ? 'was removed'
      : exceptionState(ended, now) === 'expired'
        ? `expired on ${ended.expiresAt}`
        : 'no longer covers this finding';
  return truncate(
    `Exception ${exceptionId} ${why}; the finding is NEW again and counts for blocking as any other (checked at ${now}).`,
    512,
  );
}

/** The exception a finding is marked with by this tool, if any (whatever its workflow now). */
export function markedException(
  finding: ExceptionCandidate,
): { readonly id: string; readonly active: boolean } | undefined {
  const id = finding.UserDefinedFields?.[EXCEPTION_ID_FIELD];
  if (!id) return undefined;
  return { id, active: finding.UserDefinedFields?.[EXCEPTION_STATE_FIELD] === 'active' };
}

/**
 * The workflow changes exceptions ask for, at `now`:
 *
 * - an ACTIVE finding covered by an active exception is SUPPRESSED with a note, unless it already
 *   carries that exception's id (a person who set it back to NEW afterwards keeps their word), or a
 *   person suppressed it without an exception (a plain console suppression is left alone);
 * - a finding marked with an exception that holds no more (expired, removed, or no longer covering
 *   it) and still SUPPRESSED goes back to NEW with a note, or to the other exception that now covers it.
 *
 * `known` holds every exception record still stored (expired ones included), so that the note can
 * tell an expiry from a removal; only the active ones suppress.
 */
export function planExceptionUpdates(
  findings: readonly ExceptionCandidate[],
  known: readonly ExceptionRecord[],
  now: string,
): ExceptionUpdate[] {
  const byId = new Map(known.map((e) => [e.id, e]));
  const updates: ExceptionUpdate[] = [];
  for (const finding of findings) {
    if (finding.RecordState === 'ARCHIVED') continue;
    const target = exceptionTargetOf(finding);
    if (!target) continue;
    const ref = { id: finding.Id, productArn: finding.ProductArn };
    const marked = markedException(finding);
    const suppressed = finding.Workflow?.Status === 'SUPPRESSED';
    const active = activeExceptionFor(known, target, now);
    if (active) {
      if (marked?.id === active.id && marked.active) continue;
      if (suppressed && !marked?.active) continue;
      updates.push({
        finding: ref,
        status: 'SUPPRESSED',
        exceptionId: active.id,
        note: suppressionNote(active),
      });
      continue;
    }
    if (marked?.active) {
      updates.push({
        finding: ref,
        status: 'NEW',
        exceptionId: marked.id,
        note: endNote(marked.id, byId.get(marked.id), now),
      });
    }
  }
  return updates;
}
