import type { AsffFinding } from '../asff/AsffFinding.js';
import { repositoryArn } from '../asff/identity.js';
import type { RepositoryIdentity, ScannedImage } from '../model.js';
import type { StoredFinding } from '../ports.js';
import { SEVERITY_LABELS, type SeverityLabel } from '../severity.js';

/** The `source` of every event this tool puts on the event bus. */
export const DOMAIN_EVENT_SOURCE = 'ecr-compliance';

/** The `detail-type` of each domain event. */
export const DOMAIN_EVENT_TYPES = {
  repositoryBlocked: 'Repository Blocked',
  repositoryUnblocked: 'Repository Unblocked',
  blockRefused: 'Block Refused',
  imageFindingsImported: 'Image Findings Imported',
} as const;

/** Version of the detail schemas (docs/events.md); bumped only on an incompatible change. */
export const DOMAIN_EVENT_VERSION = '1';

/**
 * At most this many new vulnerabilities are listed in one "Image Findings Imported" event (the
 * counts are always whole): with the field bounds below, one entry stays far below PutEvents'
 * 256 KB per entry.
 */
export const MAX_LISTED_VULNERABILITIES = 50;
/** Each text field of a listed vulnerability is cut to this many characters. */
export const MAX_EVENT_TEXT = 256;

/** A repository as the events name it. */
export interface EventRepository {
  readonly accountId: string;
  readonly region: string;
  readonly repositoryName: string;
  readonly repositoryArn: string;
}

/** Detail of "Repository Blocked" and "Repository Unblocked": sent only when the policy changed. */
export interface RepositoryChangedDetail {
  readonly version: typeof DOMAIN_EVENT_VERSION;
  readonly repository: EventRepository;
  /** The finding that caused the change. */
  readonly findingId: string;
  /** `person` (a custom action) or `automatic` (a rule on imported findings). */
  readonly trigger: 'person' | 'automatic';
  /** Who acted: the custom action ARN, or the automatic remediation's name. */
  readonly actor: string;
  /** Unblock only: the policy held nothing else and was deleted. */
  readonly policyDeleted: boolean;
  readonly at: string;
}

/** Detail of "Block Refused". */
export interface BlockRefusedDetail {
  readonly version: typeof DOMAIN_EVENT_VERSION;
  readonly findingId: string | null;
  /** One of a small fixed set (see the handlers' metrics): `invalid-finding`, `not-ours`, ... */
  readonly reasonCode: string;
  /** The full reason, as logged. */
  readonly reason: string;
  readonly trigger: 'person' | 'automatic';
  readonly at: string;
}

/** One newly seen CRITICAL or HIGH vulnerability of "Image Findings Imported". */
export interface NewVulnerability {
  readonly id: string;
  readonly severity: 'CRITICAL' | 'HIGH';
  readonly packageName?: string;
  readonly packageVersion?: string;
  readonly fixedInVersion?: string;
  readonly title?: string;
}

/** Detail of "Image Findings Imported". */
export interface ImageFindingsImportedDetail {
  readonly version: typeof DOMAIN_EVENT_VERSION;
  readonly repository: EventRepository;
  readonly imageDigest: string;
  readonly imageTags: readonly string[];
  readonly scanner: string;
  /** The scan's vulnerabilities per severity (every label present, zeros included). */
  readonly severityCounts: Readonly<Record<SeverityLabel, number>>;
  readonly imported: number;
  readonly archived: number;
  readonly unchanged: number;
  readonly failed: number;
  /** Counts of CRITICAL and HIGH vulnerabilities seen for the first time on this image. */
  readonly newCounts: { readonly CRITICAL: number; readonly HIGH: number };
  /** Those vulnerabilities, CRITICAL first, at most {@link MAX_LISTED_VULNERABILITIES}. */
  readonly newVulnerabilities: readonly NewVulnerability[];
  /** True when `newVulnerabilities` lists fewer than `newCounts` adds up to. */
  readonly truncated: boolean;
  readonly at: string;
}

/** One domain event: its detail-type, its resources (ARNs) and its detail. */
export type DomainEvent =
  | {
      readonly type: 'Repository Blocked' | 'Repository Unblocked';
      readonly resources: readonly string[];
      readonly detail: RepositoryChangedDetail;
    }
  | {
      readonly type: 'Block Refused';
      readonly resources: readonly string[];
      readonly detail: BlockRefusedDetail;
    }
  | {
      readonly type: 'Image Findings Imported';
      readonly resources: readonly string[];
      readonly detail: ImageFindingsImportedDetail;
    };

/** What a domain event sink did: how many events it put, and why the others were not. */
export interface DomainEventsResult {
  readonly put: number;
  readonly failed: ReadonlyArray<{ readonly type: string; readonly error: string }>;
}

/**
 * A sink of domain events (EventBridge in AWS). It never throws: an event that could not be put is
 * reported in the result, so that an import or a block never fails for its notification.
 */
export interface DomainEvents {
  put(events: readonly DomainEvent[]): Promise<DomainEventsResult>;
}

/** The repository as the events name it. */
export function eventRepository(repository: RepositoryIdentity): EventRepository {
  return {
    accountId: repository.accountId,
    region: repository.region,
    repositoryName: repository.repositoryName,
    repositoryArn: repositoryArn(repository.region, repository.accountId, repository.repositoryName),
  };
}

const cut = (text: string | undefined): string | undefined =>
  text === undefined ? undefined : text.length > MAX_EVENT_TEXT ? text.slice(0, MAX_EVENT_TEXT) : text;

const isNewCriticalOrHigh = (severity: SeverityLabel): severity is 'CRITICAL' | 'HIGH' =>
  severity === 'CRITICAL' || severity === 'HIGH';

/**
 * The "Image Findings Imported" event of one import: the scan's counts per severity and the
 * CRITICAL and HIGH vulnerabilities seen for the first time on the image. A vulnerability is new
 * when this import created or re-activated its finding (a finding the store did not hold ACTIVE);
 * with image findings only, all of the image's CRITICAL and HIGH vulnerabilities are new when its
 * image finding is.
 *
 * @example
 * imageFindingsImported({ scanned, stored, imported, failed: 0, counts, now })
 */
export function imageFindingsImported(input: {
  readonly scanned: ScannedImage;
  readonly stored: readonly StoredFinding[];
  readonly imported: readonly AsffFinding[];
  readonly counts: { readonly imported: number; readonly archived: number; readonly unchanged: number };
  readonly failed: number;
  readonly now: string;
}): DomainEvent {
  const { scanned } = input;
  const active = new Set(input.stored.filter((f) => f.RecordState !== 'ARCHIVED').map((f) => f.Id));
  const created = input.imported.filter((f) => f.RecordState === 'ACTIVE' && !active.has(f.Id));
  const newIds = new Set<string>();
  for (const finding of created) {
    if (finding.GeneratorId.endsWith('/image')) {
      for (const v of scanned.vulnerabilities) newIds.add(v.id);
    } else {
      for (const v of finding.Vulnerabilities ?? []) newIds.add(v.Id);
    }
  }
  const byId = new Map<string, NewVulnerability>();
  for (const v of scanned.vulnerabilities) {
    if (!newIds.has(v.id) || !isNewCriticalOrHigh(v.severity) || byId.has(v.id)) continue;
    const [pkg] = v.packages;
    const entry: NewVulnerability = {
      id: cut(v.id) as string,
      severity: v.severity,
      ...(pkg ? { packageName: cut(pkg.name) as string } : {}),
      ...(pkg?.version !== undefined ? { packageVersion: cut(pkg.version) as string } : {}),
      ...(pkg?.fixedInVersion !== undefined ? { fixedInVersion: cut(pkg.fixedInVersion) as string } : {}),
      ...(v.title !== undefined ? { title: cut(v.title) as string } : {}),
    };
    byId.set(v.id, entry);
  }
  const all = [...byId.values()].sort((a, b) =>
    a.severity === b.severity ? a.id.localeCompare(b.id) : a.severity === 'CRITICAL' ? -1 : 1,
  );
  const severityCounts = Object.fromEntries(SEVERITY_LABELS.map((label) => [label, 0])) as Record<
    SeverityLabel,
    number
  >;
  for (const v of scanned.vulnerabilities) severityCounts[v.severity] += 1;
  const repository = eventRepository(scanned);
  const listed = all.slice(0, MAX_LISTED_VULNERABILITIES);
  return {
    type: 'Image Findings Imported',
    resources: [repository.repositoryArn],
    detail: {
      version: DOMAIN_EVENT_VERSION,
      repository,
      imageDigest: scanned.imageDigest,
      imageTags: scanned.imageTags.slice(0, 20).map((t) => cut(t) as string),
      scanner: scanned.scanner.id,
      severityCounts,
      imported: input.counts.imported,
      archived: input.counts.archived,
      unchanged: input.counts.unchanged,
      failed: input.failed,
      newCounts: {
        CRITICAL: all.filter((v) => v.severity === 'CRITICAL').length,
        HIGH: all.filter((v) => v.severity === 'HIGH').length,
      },
      newVulnerabilities: listed,
      truncated: listed.length < all.length,
      at: input.now,
    },
  };
}
