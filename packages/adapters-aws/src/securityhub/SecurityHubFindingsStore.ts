import {
  type AwsSecurityFindingFilters,
  GetFindingsCommand,
  type GetFindingsCommandInput,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import {
  EcrComplianceError,
  type FindingSeverityFields,
  type FindingsStore,
  type HolderSearch,
  highestSeverity,
  type ImageIdentity,
  imageArn,
  imageDigestIn,
  inspectorProductArn,
  isAtOrAbove,
  isOurFinding,
  PRODUCT_PREFIX,
  productArn,
  type RepositoryFindings,
  type RepositoryIdentity,
  repositoryArn,
  SEVERITY_LABELS,
  type SeverityLabel,
  type StoredFinding,
} from '@ecr-compliance/core';
import { describeError, isRetriable } from '../awsErrors.js';
import { AUDIT_FIELDS } from './SecurityHubAuditTrail.js';
import { systemTimer, type Timer, TokenBucket } from './TokenBucket.js';

/** Options of {@link SecurityHubFindingsStore}; every field but `client` has a default. */
export interface SecurityHubFindingsStoreOptions {
  /** A Security Hub client; give it `maxAttempts: 1` so that this store's retries are the only ones. */
  readonly client: SecurityHubClient;
  /** Sustained requests per second. @default 3 (the GetFindings quota) */
  readonly ratePerSecond?: number;
  /** Requests allowed at once. @default 6 (the quota's burst) */
  readonly burst?: number;
  /** Attempts per page, the first included. @default 8 */
  readonly maxAttempts?: number;
  /** First backoff ceiling; doubles on each retry ("full jitter"). @default 200 ms */
  readonly baseDelayMs?: number;
  /** Highest backoff ceiling. @default 10,000 ms */
  readonly maxDelayMs?: number;
  readonly timer?: Timer;
  /** Random numbers in [0, 1) for the jitter. @default Math.random */
  readonly random?: () => number;
}

/** A stored finding with the fields the store checks again. */
type ReadableFinding = StoredFinding & { ProductArn?: string; Resources?: ReadonlyArray<{ Id?: string }> };

/** A block or unblock as the audit trail recorded it on a finding ({@link SecurityHubFindingsStore.lastAction}). */
export interface RecordedAction {
  readonly action: 'block' | 'unblock';
  /** ISO-8601. */
  readonly at: string;
  /** The custom action's ARN, or the automatic actor. */
  readonly by: string;
  readonly outcome: string;
  /** The finding that carries the record. */
  readonly findingId: string;
}

/** The UserDefinedFields of a finding as strings (anything else is left out). */
function fieldsOf(finding: StoredFinding): Record<string, string | undefined> {
  const fields = finding.UserDefinedFields;
  return typeof fields === 'object' && fields !== null ? (fields as Record<string, string | undefined>) : {};
}

/** Whose findings a read asks for: its filters, and the same check on what comes back. */
interface FindingSource {
  readonly filters: AwsSecurityFindingFilters;
  owns(finding: ReadableFinding): boolean;
}

/** This tool's findings: the account's default product, Id and GeneratorId under `ecr-compliance/` ({@link isOurFinding}). */
function ours(region: string, accountId: string): FindingSource {
  const product = productArn(region, accountId);
  return {
    filters: {
      ProductArn: [{ Value: product, Comparison: 'EQUALS' }],
      GeneratorId: [{ Value: `${PRODUCT_PREFIX}/`, Comparison: 'PREFIX' }],
    },
    owns: (f) =>
      f.ProductArn === product &&
      typeof f.GeneratorId === 'string' &&
      typeof f.Id === 'string' &&
      isOurFinding({ Id: f.Id, ProductArn: product, GeneratorId: f.GeneratorId }, accountId),
  };
}

/** Amazon Inspector's own findings in Security Hub (enhanced scanning). */
function inspector(region: string): FindingSource {
  const product = inspectorProductArn(region);
  return {
    filters: { ProductArn: [{ Value: product, Comparison: 'EQUALS' }] },
    owns: (f) => f.ProductArn === product,
  };
}

/**
 * The resource Ids of a repository's images: a prefix for the filter (every finding about an image
 * names it as `<repository ARN>/sha256:...`, whichever resources the filter looks at) and the exact
 * check (the prefix also matches `<repository>/nested` repositories).
 */
function repositoryResources(repository: RepositoryIdentity) {
  const arn = repositoryArn(repository.region, repository.accountId, repository.repositoryName);
  return {
    prefix: `${arn}/`,
    inRepository: (id: string | undefined) => id !== undefined && imageDigestIn(id, repository) !== undefined,
  };
}

/** GetFindings' largest page. */
const PAGE_SIZE = 100;

/**
 * Reads this tool's findings of an image (all) back from Security Hub with GetFindings, and
 * searches this tool's or Amazon Inspector's active findings of a repository for one that holds a
 * block: filtered on the product ARN, the resource Id (and for ours the GeneratorId prefix
 * `ecr-compliance/`), 100 per page, within the GetFindings quota of 3 requests/s (burst 6) and retrying throttling and
 * server faults with backoff. The same criteria are applied again to what comes back, so that a
 * store that ignores the filters (moto does) still yields only the findings asked for.
 */
export class SecurityHubFindingsStore implements FindingsStore, RepositoryFindings {
  readonly #client: SecurityHubClient;
  readonly #bucket: TokenBucket;
  readonly #maxAttempts: number;
  readonly #baseDelay: number;
  readonly #maxDelay: number;
  readonly #timer: Timer;
  readonly #random: () => number;
  /** GetFindings requests made, retries included (for logs and the benchmark). */
  requests = 0;

  constructor(options: SecurityHubFindingsStoreOptions) {
    this.#client = options.client;
    this.#timer = options.timer ?? systemTimer;
    this.#bucket = new TokenBucket({
      ratePerSecond: options.ratePerSecond ?? 3,
      burst: options.burst ?? 6,
      timer: this.#timer,
    });
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 8);
    this.#baseDelay = options.baseDelayMs ?? 200;
    this.#maxDelay = options.maxDelayMs ?? 10_000;
    this.#random = options.random ?? Math.random;
  }

  async findingsOf(image: ImageIdentity): Promise<readonly StoredFinding[]> {
    const resource = imageArn(image);
    return this.#all(
      ours(image.region, image.accountId),
      { ResourceId: [{ Value: resource, Comparison: 'EQUALS' }] },
      (f) => (f.Resources ?? []).some((r) => r.Id === resource),
      "the image's",
    );
  }

  /**
   * The first ACTIVE, unsuppressed finding of `options.source` about an image of the repository at
   * or above `options.atOrAbove` for which `options.holds` is true: filtered on the top-level label
   * (a person's triage) and then on the provider's label (filters on different fields are AND-ed),
   * page by page, stopping at that finding or after `options.limit` candidates.
   */
  async firstHolder(
    repository: RepositoryIdentity,
    options: {
      readonly source: 'ours' | 'inspector';
      readonly atOrAbove: SeverityLabel;
      readonly limit: number;
      readonly holds: (finding: StoredFinding) => boolean;
    },
  ): Promise<HolderSearch> {
    let checked = 0;
    for await (const f of this.#atOrAbove(repository, options.source, options.atOrAbove)) {
      if (checked >= options.limit) return { complete: false };
      checked += 1;
      if (options.holds(f)) return { holder: f };
    }
    return { complete: true };
  }

  /**
   * The ACTIVE, unsuppressed findings of this tool and of Amazon Inspector about images of the
   * repository at or above `atOrAbove` (by the person's label or the provider's), each once: what
   * holds a block, or would. At most `limit`; `complete` is false when there were more.
   */
  async blockingFindings(
    repository: RepositoryIdentity,
    options: { readonly atOrAbove: SeverityLabel; readonly limit: number },
  ): Promise<{ readonly findings: readonly StoredFinding[]; readonly complete: boolean }> {
    const found = new Map<string, StoredFinding>();
    // Checked again here, since a store may ignore the filters; a severity no field gives counts.
    const qualifies = (f: StoredFinding) => {
      const severity = highestSeverity(f as FindingSeverityFields);
      return severity === undefined || isAtOrAbove(severity, options.atOrAbove);
    };
    for (const source of ['ours', 'inspector'] as const) {
      for await (const f of this.#atOrAbove(repository, source, options.atOrAbove)) {
        if (found.has(f.Id) || !qualifies(f)) continue;
        if (found.size >= options.limit) return { findings: [...found.values()], complete: false };
        found.set(f.Id, f);
      }
    }
    return { findings: [...found.values()], complete: true };
  }

  /**
   * The latest block or unblock that the audit trail recorded about the repository (its
   * UserDefinedFields on a finding of this tool or of Amazon Inspector), or undefined when none
   * can be found: Security Hub keeps a finding 90 days after its last update.
   */
  async lastAction(repository: RepositoryIdentity): Promise<RecordedAction | undefined> {
    const arn = repositoryArn(repository.region, repository.accountId, repository.repositoryName);
    const mine = ours(repository.region, repository.accountId);
    const theirs = inspector(repository.region);
    const audited: FindingSource = {
      filters: { UserDefinedFields: [{ Key: AUDIT_FIELDS.repository, Value: arn, Comparison: 'EQUALS' }] },
      owns: (f) => mine.owns(f) || theirs.owns(f),
    };
    let latest: RecordedAction | undefined;
    for await (const f of this.#each(
      audited,
      {},
      (f) => fieldsOf(f)[AUDIT_FIELDS.repository] === arn,
      'the audited',
    )) {
      const fields = fieldsOf(f);
      const action = fields[AUDIT_FIELDS.action];
      const at = fields[AUDIT_FIELDS.at];
      if ((action !== 'block' && action !== 'unblock') || !at || Number.isNaN(Date.parse(at))) continue;
      if (latest && Date.parse(latest.at) >= Date.parse(at)) continue;
      latest = {
        action,
        at,
        by: fields[AUDIT_FIELDS.by] ?? '',
        outcome: fields[AUDIT_FIELDS.outcome] ?? '',
        findingId: f.Id,
      };
    }
    return latest;
  }

  /** `source`'s ACTIVE, unsuppressed findings about the repository's images, at or above a label: the person's, then the provider's. */
  async *#atOrAbove(
    repository: RepositoryIdentity,
    which: 'ours' | 'inspector',
    atOrAbove: SeverityLabel,
  ): AsyncGenerator<StoredFinding> {
    const { prefix, inRepository } = repositoryResources(repository);
    const labels = SEVERITY_LABELS.filter((label) => isAtOrAbove(label, atOrAbove)).map((label) => ({
      Value: label,
      Comparison: 'EQUALS' as const,
    }));
    const common: AwsSecurityFindingFilters = {
      ResourceId: [{ Value: prefix, Comparison: 'PREFIX' }],
      RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
      WorkflowStatus: [{ Value: 'SUPPRESSED', Comparison: 'NOT_EQUALS' }],
    };
    const [source, whose] =
      which === 'ours'
        ? [ours(repository.region, repository.accountId), "the repository's"]
        : [inspector(repository.region), "Amazon Inspector's repository"];
    const keep = (f: ReadableFinding) =>
      f.RecordState !== 'ARCHIVED' && (f.Resources ?? []).some((r) => inRepository(r.Id));
    for (const severity of [{ SeverityLabel: labels }, { FindingProviderFieldsSeverityLabel: labels }]) {
      yield* this.#each(source, { ...common, ...severity }, keep, whose);
    }
  }

  /** Every page of `source`'s findings matching `filters`, kept only where `source` and `keep` agree. */
  async #all(
    source: FindingSource,
    filters: AwsSecurityFindingFilters,
    keep: (finding: ReadableFinding) => boolean,
    whose: string,
  ): Promise<readonly StoredFinding[]> {
    const out: StoredFinding[] = [];
    for await (const f of this.#each(source, filters, keep, whose)) out.push(f);
    return out;
  }

  /** `source`'s findings matching `filters` one by one, reading the next page only when asked. */
  async *#each(
    source: FindingSource,
    filters: AwsSecurityFindingFilters,
    keep: (finding: ReadableFinding) => boolean,
    whose: string,
  ): AsyncGenerator<StoredFinding> {
    const allFilters: AwsSecurityFindingFilters = { ...filters, ...source.filters };
    let token: string | undefined;
    do {
      const page = await this.#page({ Filters: allFilters, MaxResults: PAGE_SIZE, NextToken: token }, whose);
      for (const finding of page.Findings ?? []) {
        const f = finding as unknown as ReadableFinding;
        if (source.owns(f) && keep(f)) yield f;
      }
      token = page.NextToken || undefined;
    } while (token);
  }

  async #page(input: GetFindingsCommandInput, whose: string) {
    for (let attempt = 1; ; attempt += 1) {
      await this.#bucket.take();
      this.requests += 1;
      try {
        return (await this.#client.send(new GetFindingsCommand(input))) ?? {};
      } catch (error) {
        if (!isRetriable(error) || attempt >= this.#maxAttempts) {
          throw new EcrComplianceError(`could not read ${whose} findings: ${describeError(error)}`, {
            cause: error,
          });
        }
        const ceiling = Math.min(this.#maxDelay, this.#baseDelay * 2 ** (attempt - 1));
        await this.#timer.sleep(Math.floor(this.#random() * ceiling));
      }
    }
  }
}
