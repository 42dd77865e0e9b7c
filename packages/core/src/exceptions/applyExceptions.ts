/**
 * Use cases of exceptions: add one, lift one, and the daily expiry. Each reads the findings an
 * exception may change, plans the updates with {@link planExceptionUpdates} and writes them, or
 * with `dryRun` only returns them.
 */

import { parseEcrArn } from '../asff/identity.js';
import { EcrComplianceError, InvalidInputError } from '../errors.js';
import type { ImageIdentity } from '../model.js';
import { type ExceptionRecord, newException } from './ExceptionRecord.js';
import { type ExceptionCandidate, type ExceptionUpdate, planExceptionUpdates } from './exceptionEffects.js';
import { exceptionState, exceptionsExpiringWithin } from './matching.js';
import type { ExceptionFindings, ExceptionStore, FindingsWorkflow } from './ports.js';
import {
  type ImageReevaluation,
  type ImageReevaluationDeps,
  imagesOf,
  reevaluateImageFinding,
} from './reevaluateImage.js';

/** Dependencies of the exception use cases. */
export interface ExceptionDeps {
  readonly exceptions: ExceptionStore;
  readonly findings: ExceptionFindings;
  readonly workflow: FindingsWorkflow;
  /** With it, the image finding of every image touched is re-evaluated (its severity counts again). */
  readonly images?: ImageReevaluationDeps;
}

const imageOfArn = (id: string): ImageIdentity | undefined => {
  const arn = parseEcrArn(id);
  return arn?.imageDigest ? { ...arn, imageDigest: arn.imageDigest } : undefined;
};

/** Re-evaluates the image findings of the images the updates touched (none on a dry run). */
async function reevaluate(
  deps: ExceptionDeps,
  updates: readonly ExceptionUpdate[],
  candidates: readonly ExceptionCandidate[],
  known: readonly ExceptionRecord[],
  now: string,
  dryRun: boolean,
): Promise<ImageReevaluation[]> {
  if (dryRun || !deps.images || updates.length === 0) return [];
  const out: ImageReevaluation[] = [];
  for (const image of imagesOf(updates, candidates, imageOfArn))
    out.push(await reevaluateImageFinding(deps.images, image, known, now));
  return out;
}

/** What an exception use case changed (or, with `dryRun`, would change). */
export interface ExceptionChange {
  readonly exception: ExceptionRecord;
  readonly updates: readonly ExceptionUpdate[];
  readonly dryRun: boolean;
  readonly failed: ReadonlyArray<{ readonly id: string; readonly error: string }>;
  /** The image findings re-evaluated (none on a dry run or without `deps.images`). */
  readonly images: readonly ImageReevaluation[];
}

/** Findings of several reads, each once (by Id). */
function distinct(findings: readonly ExceptionCandidate[]): ExceptionCandidate[] {
  const byId = new Map<string, ExceptionCandidate>();
  for (const f of findings) byId.set(`${f.ProductArn}|${f.Id}`, f);
  return [...byId.values()];
}

async function write(
  workflow: FindingsWorkflow,
  updates: readonly ExceptionUpdate[],
  dryRun: boolean,
): Promise<ExceptionChange['failed']> {
  if (dryRun || updates.length === 0) return [];
  return (await workflow.apply(updates)).failed;
}

/**
 * Use case "accept a risk until a date": checks the exception at `now` ({@link newException}),
 * stores it, and suppresses the ACTIVE findings it covers (this tool's and Inspector's).
 *
 * @throws InvalidInputError (one line, naming the field) for every refusal, before anything is stored
 */
export async function addException(
  deps: ExceptionDeps,
  input: Parameters<typeof newException>[0],
  options: { readonly now: string; readonly maxExpiryDays?: number; readonly dryRun?: boolean },
): Promise<ExceptionChange> {
  const exception = newException(input, options);
  const known = await deps.exceptions.list();
  if (known.some((e) => e.id === exception.id)) {
    throw new InvalidInputError(`an exception ${exception.id} exists already`, 'id');
  }
  const dryRun = options.dryRun === true;
  const candidates = await deps.findings.coveredBy(exception.scope, exception.vulnerabilityId);
  const updates = planExceptionUpdates(candidates, [...known, exception], options.now).filter(
    (u) => u.exceptionId === exception.id,
  );
  if (!dryRun) await deps.exceptions.put(exception);
  const failed = await write(deps.workflow, updates, dryRun);
  const images = await reevaluate(deps, updates, candidates, [...known, exception], options.now, dryRun);
  return { exception, updates, dryRun, failed, images };
}

/**
 * Use case "lift an exception": removes it and gives its findings back to NEW (or to another
 * active exception that covers them), each with a note.
 *
 * @throws EcrComplianceError when no exception has that id
 */
export async function removeException(
  deps: ExceptionDeps,
  id: string,
  options: { readonly now: string; readonly dryRun?: boolean },
): Promise<ExceptionChange> {
  const known = await deps.exceptions.list();
  const exception = known.find((e) => e.id === id);
  if (!exception) throw new EcrComplianceError(`no exception ${id}`);
  const dryRun = options.dryRun === true;
  const marked = (await deps.findings.marked(exception.scope.accountId)).filter(
    (f) => f.UserDefinedFields?.['ecr-compliance/ExceptionId'] === id,
  );
  const rest = known.filter((e) => e.id !== id);
  const updates = planExceptionUpdates(marked, rest, options.now);
  if (!dryRun) await deps.exceptions.remove(id);
  const failed = await write(deps.workflow, updates, dryRun);
  const images = await reevaluate(deps, updates, marked, rest, options.now, dryRun);
  return { exception, updates, dryRun, failed, images };
}

/** What the daily expiry did. */
export interface ExpiryResult {
  /** Exceptions that ended and were removed from the store. */
  readonly expired: readonly ExceptionRecord[];
  /** Exceptions that end within the notice period and were not announced before. */
  readonly expiring: readonly ExceptionRecord[];
  readonly updates: readonly ExceptionUpdate[];
  readonly failed: ReadonlyArray<{ readonly id: string; readonly error: string }>;
  readonly images: readonly ImageReevaluation[];
}

/** How many days before its end an exception is announced ("Exception Expiring"). */
export const EXPIRY_NOTICE_DAYS = 7;

/**
 * Use case "the daily expiry": every finding marked with an exception that no longer holds goes
 * back to NEW (or to another active exception), every ACTIVE finding an active exception covers and
 * that is not suppressed yet is suppressed (Amazon Inspector's findings reach Security Hub without
 * this tool), expired exceptions leave the store once their
 * findings are updated, and the exceptions that end within {@link EXPIRY_NOTICE_DAYS} days and were
 * not announced yet are returned, for the caller to announce (and then mark).
 */
export async function expireExceptions(
  deps: ExceptionDeps,
  accounts: readonly string[],
  options: { readonly now: string },
): Promise<ExpiryResult> {
  const { now } = options;
  const known = await deps.exceptions.list();
  const expired = known.filter((e) => exceptionState(e, now) === 'expired');
  const accountIds = [...new Set([...accounts, ...known.map((e) => e.scope.accountId)])];
  const marked = (await Promise.all(accountIds.map((a) => deps.findings.marked(a)))).flat();
  // Findings that reach Security Hub without this tool (Amazon Inspector's own) are suppressed here.
  const active = known.filter((e) => exceptionState(e, now) === 'active');
  const covered = (
    await Promise.all(active.map((e) => deps.findings.coveredBy(e.scope, e.vulnerabilityId)))
  ).flat();
  const candidates = distinct([...marked, ...covered]);
  const updates = planExceptionUpdates(candidates, known, now);
  const failed = await write(deps.workflow, updates, false);
  const images = await reevaluate(deps, updates, candidates, known, now, false);
  // An exception whose findings could not all be given back stays, so the next run tries again.
  const failedIds = new Set(failed.map((f) => f.id));
  const blocked = new Set(updates.filter((u) => failedIds.has(u.finding.id)).map((u) => u.exceptionId));
  const removable = expired.filter((e) => !blocked.has(e.id));
  for (const e of removable) await deps.exceptions.remove(e.id);
  const soon = exceptionsExpiringWithin(known, now, EXPIRY_NOTICE_DAYS);
  const expiring: ExceptionRecord[] = [];
  for (const e of soon) if (!(await deps.exceptions.announced?.(e.id))) expiring.push(e);
  return { expired: removable, expiring, updates, failed, images };
}
