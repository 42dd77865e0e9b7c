/**
 * Ports: what the use cases need from the outside world, named for the domain. The AWS
 * adapters implement them with SDK v3; tests use in-memory fakes.
 */
import type { AsffFinding } from './asff/AsffFinding.js';
import type { ImageIdentity, RepositoryIdentity, ScannedImage } from './model.js';

export type { ImageIdentity, RepositoryIdentity } from './model.js';

import type { SeverityLabel } from './severity.js';

/**
 * A repository to read or act on, as a command line may name it: without `accountId`, the
 * caller's own registry. Everything the use cases derive from findings is a full {@link RepositoryIdentity}.
 */
export type RepositoryReference = Omit<RepositoryIdentity, 'accountId'> & { readonly accountId?: string };

/**
 * An image to fetch a scan of, by digest or tag, in the source's Region: a lookup, not an
 * identity (the scan it returns names the {@link ImageIdentity}). Without `accountId`, the caller's registry.
 */
export interface ImageReference {
  readonly accountId?: string;
  readonly repositoryName: string;
  /** Digest or tag; at least one. */
  readonly imageDigest?: string;
  readonly imageTag?: string;
  /** Tags known from elsewhere (the scan event), reported when the source names none. Never part of an identity. */
  readonly imageTags?: readonly string[];
}

/** A source of completed scans. Throws ScanNotCompleteError / ResourceNotFoundError for scans that cannot be reported. */
export interface ScanFindingsSource {
  getScan(image: ImageReference): Promise<ScannedImage>;
}

/** What a publisher did with a set of findings. */
export interface PublishResult {
  readonly sent: number;
  readonly succeeded: number;
  readonly failed: ReadonlyArray<{
    readonly id: string;
    readonly errorCode: string;
    readonly errorMessage: string;
  }>;
  /** Requests made, retries included. */
  readonly requests: number;
}

/** Publishes findings (Security Hub BatchImportFindings, in batches, with retries). */
export interface FindingsPublisher {
  publish(findings: readonly AsffFinding[]): Promise<PublishResult>;
}

/** Reads and writes repository policies as text. */
export interface RepositoryPolicyStore {
  /** The policy text, or null when the repository has none. */
  get(repository: RepositoryReference): Promise<string | null>;
  set(repository: RepositoryReference, policyText: string): Promise<void>;
  delete(repository: RepositoryReference): Promise<void>;
}

/** One entry of the audit trail written on the finding that triggered an action. */
export interface AuditEntry {
  readonly action: 'block' | 'unblock';
  readonly outcome: string;
  readonly repositoryArn: string;
  /** ISO-8601. */
  readonly at: string;
  /** Who or what acted: the custom action's ARN, a CLI user, ... */
  readonly by: string;
}

/** Records what was done on the finding that asked for it (best effort: failures are logged, not fatal). */
export interface AuditTrail {
  record(finding: { readonly id: string; readonly productArn: string }, entry: AuditEntry): Promise<void>;
}

/**
 * A finding as the store returns it: this tool's ASFF fields plus whatever the store added
 * (Security Hub adds Workflow, ProcessedAt, `aws/` ProductFields, ...). Only the fields the
 * lifecycle reads are typed; {@link fromStoredFinding} turns it back into an importable finding.
 */
export interface StoredFinding {
  readonly Id: string;
  readonly GeneratorId: string;
  readonly CreatedAt: string;
  readonly UpdatedAt: string;
  readonly FirstObservedAt?: string;
  readonly RecordState?: string;
  readonly [field: string]: unknown;
}

/**
 * Where this tool's findings live between scans: the state a new scan is compared with. In AWS it
 * is the state of record in DynamoDB (strongly consistent, written after Security Hub accepted
 * the findings), which adopts what Security Hub holds (GetFindings) for an image it has no record of
 * yet; without a table (the command line's default), Security Hub itself.
 */
export interface FindingsStore {
  /**
   * Every finding of this tool (GeneratorId under `ecr-compliance/`) whose resource is the image,
   * ACTIVE and ARCHIVED alike: archived ones keep the first observation of a vulnerability that
   * comes back. A store may return only the fields the lifecycle reads ({@link StoredFinding}'s,
   * and the fingerprint in ProductFields); it then has {@link FindingsStore.wholeFindings}.
   */
  findingsOf(image: ImageIdentity): Promise<readonly StoredFinding[]>;
  /**
   * The whole content of some of the findings `findingsOf` returned (by Id), for those that are
   * imported again as ARCHIVED. Absent: `findingsOf` returns whole findings.
   */
  wholeFindings?(image: ImageIdentity, findings: readonly StoredFinding[]): Promise<readonly StoredFinding[]>;
}

/** What a search for a finding that holds a block found ({@link RepositoryFindings.firstHolder}). */
export type HolderSearch =
  | { readonly holder: StoredFinding; readonly complete?: undefined }
  | {
      readonly holder?: undefined;
      /** False when the search stopped at its limit before reading every candidate. */
      readonly complete: boolean;
    };

/** Findings that may hold a block (automatic unblock reads them; they can never release one). */
export interface RepositoryFindings {
  /**
   * The first ACTIVE, unsuppressed finding of `source` (`ours`: this tool's product, any scanner;
   * `inspector`: Amazon Inspector's product) about an image of the repository, narrowed where the
   * store can to those at or above `atOrAbove`, for which `holds` is true. The store reads page by
   * page and stops at that finding, or once it has checked `limit` candidates (`complete: false`).
   */
  firstHolder(
    repository: RepositoryIdentity,
    options: {
      readonly source: 'ours' | 'inspector';
      readonly atOrAbove: SeverityLabel;
      readonly limit: number;
      readonly holds: (finding: StoredFinding) => boolean;
    },
  ): Promise<HolderSearch>;
}

/** The images a repository holds now. */
export interface RepositoryImages {
  /**
   * The digest of every image in the repository, each once. With `limit`, reading stops as soon
   * as more than `limit` digests are known, so at most `limit + 1` come back.
   */
  digestsOf(
    repository: RepositoryReference,
    options?: { readonly limit?: number },
  ): Promise<readonly string[]>;
}

/** A finding as BatchUpdateFindings names it: its Id and its product. */
export interface FindingIdentifier {
  readonly id: string;
  readonly productArn: string;
}

/**
 * The mark a block leaves on a repository's image findings (UserDefinedFields
 * `ecr-compliance/RepositoryBlocked`, see blockMark.ts), that a Security Hub insight filters on. In AWS: GetFindings, then
 * BatchUpdateFindings, from the account that writes the audit note.
 */
export interface BlockMarks {
  /** This tool's ACTIVE image findings about images of the repository, with their UserDefinedFields. */
  imageFindingsOf(repository: RepositoryIdentity): Promise<readonly StoredFinding[]>;
  /** Sets the mark to `value` on each finding; the findings it could not update come back. */
  write(
    findings: readonly FindingIdentifier[],
    value: string,
  ): Promise<{ readonly failed: ReadonlyArray<{ readonly id: string; readonly error: string }> }>;
}
