/**
 * Use case "a finding arrives that an exception covers": Amazon Inspector's findings (enhanced
 * scanning) reach Security Hub without this tool, one "Findings - Imported" event each. The
 * findings of the event are checked here, and those an active exception covers are suppressed.
 */
import * as z from 'zod/mini';
import { parseEcrArn } from '../asff/identity.js';
import { isInspectorFinding } from '../findings/rules.js';
import { parseWith } from '../parse.js';
import type { ExceptionRecord } from './ExceptionRecord.js';
import { type ExceptionCandidate, type ExceptionUpdate, planExceptionUpdates } from './exceptionEffects.js';
import type { FindingsWorkflow } from './ports.js';

/** The fields of a finding an exception reads; others are tolerated and dropped. */
export const ArrivingFindingSchema = z.object({
  Id: z.string().check(z.minLength(1)),
  ProductArn: z.string(),
  AwsAccountId: z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit AWS account id')),
  GeneratorId: z.optional(z.string()),
  RecordState: z.optional(z.string()),
  Workflow: z.optional(z.object({ Status: z.optional(z.string()) })),
  UserDefinedFields: z.optional(z.record(z.string(), z.string())),
  Resources: z.array(z.object({ Id: z.string() })),
  Vulnerabilities: z.optional(
    z.array(
      z.object({
        Id: z.string(),
        RelatedVulnerabilities: z.optional(z.array(z.string())),
        VulnerablePackages: z.optional(
          z.array(z.object({ Name: z.optional(z.string()), Version: z.optional(z.string()) })),
        ),
      }),
    ),
  ),
});

/** What {@link suppressArrivingFindings} did with the findings of one event. */
export interface ArrivingFindingsResult {
  /** The updates written (SUPPRESSED while an exception holds; NEW for a mark of an ended one). */
  readonly updates: readonly ExceptionUpdate[];
  /** Findings left alone, with why (not Inspector's, unreadable, another account's resource). */
  readonly skipped: ReadonlyArray<{ readonly index: number; readonly reason: string }>;
  readonly failed: ReadonlyArray<{ readonly id: string; readonly error: string }>;
}

/**
 * Checks one arriving finding: Amazon Inspector's (only AWS imports with its product ARN; this
 * tool's own findings are handled when they are imported), readable, and about an image of its
 * own account (the resource ARN's account is the finding's `AwsAccountId`).
 */
function candidateOf(raw: unknown, index: number): ExceptionCandidate | string {
  let finding: z.output<typeof ArrivingFindingSchema>;
  try {
    finding = parseWith(ArrivingFindingSchema, raw, `finding ${index}`);
  } catch (error) {
    return `unreadable: ${(error as Error).message}`;
  }
  if (!isInspectorFinding(finding)) return `not Amazon Inspector's finding (${finding.ProductArn})`;
  const image = finding.Resources.map((r) => parseEcrArn(r.Id)).find((arn) => arn?.imageDigest);
  if (!image) return 'names no ECR image';
  if (image.accountId !== finding.AwsAccountId)
    return `resource is in account ${image.accountId}, but the finding belongs to account ${finding.AwsAccountId}`;
  return finding as ExceptionCandidate;
}

/**
 * Suppresses the arriving findings (`raw`, as an event carries them) that an active exception
 * covers, with the same note and marks as everywhere else ({@link planExceptionUpdates}): one
 * already suppressed for that exception, or suppressed by a person, is left alone, so the event
 * Security Hub sends for the update itself changes nothing. `exceptions` holds every stored record.
 */
export async function suppressArrivingFindings(
  workflow: FindingsWorkflow,
  raw: readonly unknown[],
  exceptions: readonly ExceptionRecord[],
  now: string,
): Promise<ArrivingFindingsResult> {
  const candidates: ExceptionCandidate[] = [];
  const skipped: Array<{ index: number; reason: string }> = [];
  raw.forEach((f, index) => {
    const candidate = candidateOf(f, index);
    if (typeof candidate === 'string') skipped.push({ index, reason: candidate });
    else candidates.push(candidate);
  });
  const updates = planExceptionUpdates(candidates, exceptions, now);
  const failed = updates.length > 0 ? (await workflow.apply(updates)).failed : [];
  return { updates, skipped, failed };
}
