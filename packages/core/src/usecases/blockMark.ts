/**
 * The mark a block leaves where a Security Hub insight can filter on it: the UserDefinedFields
 * key {@link BLOCK_MARK_FIELD} on this tool's image findings of the repository, `true` while our
 * Deny statement is in the repository policy and `false` once it was removed. A value, not a
 * missing key: a UserDefinedFields value must not be blank, and BatchUpdateFindings has no
 * documented way to delete a key. The policy stays the state of a block; the mark is its reflection.
 *
 * Set and cleared by block and unblock (through the {@link BlockMarks} port), and carried by an
 * image finding that a scan creates in a blocked repository ({@link withBlockMark}): Security Hub
 * takes UserDefinedFields from BatchImportFindings only when it creates a finding, and keeps what
 * BatchUpdateFindings wrote on every later import.
 */
import type { AsffFinding } from '../asff/AsffFinding.js';
import { imageDigestIn } from '../asff/identity.js';
import { isOurImageFinding } from '../findings/rules.js';
import { blockStateOf } from '../policy/blockState.js';
import type {
  BlockMarks,
  FindingIdentifier,
  FindingsPublisher,
  RepositoryIdentity,
  RepositoryPolicyStore,
  StoredFinding,
} from '../ports.js';

/** The UserDefinedFields key of the mark. */
export const BLOCK_MARK_FIELD = 'ecr-compliance/RepositoryBlocked';

/** The mark's values: while blocked, and after an unblock. */
export const BLOCK_MARK_VALUES = { blocked: 'true', released: 'false' } as const;

/** A value of the mark. */
export type BlockMarkValue = (typeof BLOCK_MARK_VALUES)[keyof typeof BLOCK_MARK_VALUES];

/** What marking a repository's image findings did: written, already right, failed; or why nothing could be read. */
export type BlockMarkOutcome =
  | {
      readonly value: BlockMarkValue;
      readonly written: number;
      readonly unchanged: number;
      readonly failed: ReadonlyArray<{ readonly id: string; readonly error: string }>;
    }
  | { readonly value: BlockMarkValue; readonly error: string };

const markValue = (blocked: boolean): BlockMarkValue =>
  blocked ? BLOCK_MARK_VALUES.blocked : BLOCK_MARK_VALUES.released;

const fieldsOf = (finding: StoredFinding): Readonly<Record<string, unknown>> => {
  const fields = finding.UserDefinedFields;
  return typeof fields === 'object' && fields !== null ? (fields as Record<string, unknown>) : {};
};

/**
 * Which stored findings need the mark set: this tool's ACTIVE image findings of the repository's
 * account about one of its images whose mark is not `value` yet. Others are left out (a store may
 * ignore filters); those already marked are counted as `unchanged`, so writing converges and the
 * "Findings - Imported" events a write causes end at the next look. Pure.
 */
export function marksToWrite(
  findings: readonly StoredFinding[],
  repository: RepositoryIdentity,
  blocked: boolean,
): { readonly write: readonly FindingIdentifier[]; readonly unchanged: number } {
  const value = markValue(blocked);
  const write: FindingIdentifier[] = [];
  let unchanged = 0;
  const seen = new Set<string>();
  for (const f of findings) {
    const productArn = f.ProductArn;
    if (typeof productArn !== 'string' || seen.has(f.Id)) continue;
    if (
      !isOurImageFinding(
        { Id: f.Id, ProductArn: productArn, GeneratorId: f.GeneratorId },
        repository.accountId,
      )
    )
      continue;
    if (f.RecordState === 'ARCHIVED') continue;
    const resources = Array.isArray(f.Resources) ? (f.Resources as ReadonlyArray<{ Id?: unknown }>) : [];
    if (!resources.some((r) => typeof r.Id === 'string' && imageDigestIn(r.Id, repository) !== undefined))
      continue;
    seen.add(f.Id);
    if (fieldsOf(f)[BLOCK_MARK_FIELD] === value) unchanged += 1;
    else write.push({ id: f.Id, productArn });
  }
  return { write, unchanged };
}

/**
 * Sets the mark of every ACTIVE image finding of the repository to `true` (`blocked`) or `false`.
 * Best effort, as the audit note: it never throws, and a failure is an outcome the caller logs.
 */
export async function markRepository(
  marks: BlockMarks,
  repository: RepositoryIdentity,
  blocked: boolean,
): Promise<BlockMarkOutcome> {
  const value = markValue(blocked);
  try {
    const { write, unchanged } = marksToWrite(await marks.imageFindingsOf(repository), repository, blocked);
    const { failed } = write.length > 0 ? await marks.write(write, value) : { failed: [] };
    return { value, written: write.length - failed.length, unchanged, failed };
  } catch (error) {
    return { value, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Whether a scan's repository is blocked now, as its policy says; `unknown` when that cannot be told. */
export type ScanBlockState = { readonly blocked: boolean } | { readonly unknown: string };

/** Reads the repository policy once for a scan's import. Never throws: a scan is imported whatever the policy. */
export async function blockStateForScan(
  policies: Pick<RepositoryPolicyStore, 'get'>,
  repository: RepositoryIdentity,
): Promise<ScanBlockState> {
  try {
    const state = blockStateOf(await policies.get(repository));
    if (state.state === 'blocked') return { blocked: true };
    if (state.state === 'not blocked') return { blocked: false };
    return { unknown: state.reason };
  } catch (error) {
    return { unknown: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The findings with the mark `true` on this tool's ACTIVE image findings when the repository is
 * blocked; unchanged otherwise. Security Hub keeps it only on an image finding the import creates
 * (a new image, or the first scan of one): on an existing finding the block wrote it already. Pure.
 */
export function withBlockMark(findings: readonly AsffFinding[], blocked: boolean): readonly AsffFinding[] {
  if (!blocked) return findings;
  return findings.map((f) =>
    f.RecordState === 'ACTIVE' && isOurImageFinding(f)
      ? { ...f, UserDefinedFields: { ...f.UserDefinedFields, [BLOCK_MARK_FIELD]: BLOCK_MARK_VALUES.blocked } }
      : f,
  );
}

/** A publisher that sends the findings {@link withBlockMark} marked: what a scan of a blocked repository imports. */
export function blockMarkingPublisher(publisher: FindingsPublisher, blocked: boolean): FindingsPublisher {
  return { publish: (findings) => publisher.publish(withBlockMark(findings, blocked)) };
}
