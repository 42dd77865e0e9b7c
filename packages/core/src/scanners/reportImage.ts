/**
 * What every scanner report needs before it can become a {@link ScannedImage}: which ECR image it
 * is about, and when it was made. Reports of Trivy and Grype name images by references such as
 * `111122223333.dkr.ecr.eu-west-1.amazonaws.com/team-a/api@sha256:...`; options override them.
 */
import { InvalidInputError } from '../errors.js';
import type { ImageIdentity, RepositoryIdentity } from '../model.js';
import { AccountId, ImageDigest, Region, RepositoryName, Timestamp } from '../schemas.js';
import { PARSE_IN_ENGLISH } from '../zodLocale.js';

/**
 * Options of the report parsers ({@link scannedImageFromTrivy}, {@link scannedImageFromGrype}).
 * Each one overrides what the report says; each is needed only when the report does not say it.
 */
export interface ReportImageOptions {
  /** AWS Region of the registry. @default the Region of the report's ECR reference */
  readonly region?: string;
  /** Account that owns the registry. @default the account of the report's ECR reference */
  readonly accountId?: string;
  /** Repository name; picks the matching reference when the report names several repositories. */
  readonly repositoryName?: string;
  /** Registry (manifest) digest of the image; picks one when the report names several. */
  readonly imageDigest?: string;
  /** When the scan ran (ISO-8601). @default the report's own time (Trivy `CreatedAt`, Grype `descriptor.timestamp`) */
  readonly scannedAt?: string;
}

/** The name of one of the {@link ReportImageOptions}. */
export type ReportImageOption = keyof ReportImageOptions;

/**
 * A report that cannot be tied to one ECR image or one time without an option, or an option that
 * is not valid. `options` names the options that would resolve it, so that a command line can
 * name its own flags; `reason` is the message without the advice.
 */
export class ReportOptionError extends InvalidInputError {
  readonly reason: string;
  readonly options: readonly ReportImageOption[];
  constructor(path: string, reason: string, options: readonly ReportImageOption[]) {
    super(`${reason}; give the option ${options.join(', ')}`, path);
    this.name = 'ReportOptionError';
    this.reason = reason;
    this.options = options;
  }
}

/** One image (or repository, without a digest) that a report names by an ECR reference. */
export interface EcrReference extends RepositoryIdentity {
  readonly tag?: string;
  readonly imageDigest?: string;
}

const ECR_REFERENCE =
  /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?\/([a-z0-9][a-z0-9._/-]*?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/;

/**
 * Reads an ECR image reference: `ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO[:TAG][@sha256:DIGEST]`;
 * undefined for any other registry or text.
 *
 * @example parseEcrReference('111122223333.dkr.ecr.eu-west-1.amazonaws.com/team-a/api:1.2')
 * // { accountId: '111122223333', region: 'eu-west-1', repositoryName: 'team-a/api', tag: '1.2' }
 */
export function parseEcrReference(reference: string): EcrReference | undefined {
  const match = ECR_REFERENCE.exec(reference.trim());
  if (!match) return undefined;
  const [, accountId, region, repositoryName, tag, imageDigest] = match as unknown as [
    string,
    string,
    string,
    string,
    string | undefined,
    string | undefined,
  ];
  if (!RepositoryName.safeParse(repositoryName, PARSE_IN_ENGLISH).success) return undefined;
  return {
    accountId,
    region,
    repositoryName,
    ...(tag !== undefined ? { tag } : {}),
    ...(imageDigest !== undefined ? { imageDigest } : {}),
  };
}

/** The image a report is about, resolved from its references and the options. */
export interface ReportImage extends ImageIdentity {
  /** Tags the report names for this repository. */
  readonly imageTags: readonly string[];
}

const OPTION_SCHEMAS = {
  region: Region,
  accountId: AccountId,
  repositoryName: RepositoryName,
  imageDigest: ImageDigest,
  scannedAt: Timestamp,
} as const;

/** Checks the options' values; a bad one is a {@link ReportOptionError} that names it. */
function checkOptions(options: ReportImageOptions): ReportImageOptions {
  for (const key of Object.keys(OPTION_SCHEMAS) as ReportImageOption[]) {
    const value = options[key];
    if (value === undefined) continue;
    const result = OPTION_SCHEMAS[key].safeParse(value, PARSE_IN_ENGLISH);
    if (!result.success) {
      const message = result.error.issues[0]?.message ?? 'invalid';
      const got = JSON.stringify(value);
      throw new ReportOptionError(
        `(option ${key})`,
        message.includes(got) ? message : `${message}, got ${got}`,
        [key],
      );
    }
  }
  return options;
}

const describeRef = (r: EcrReference) => `${r.repositoryName}@${r.imageDigest ?? r.tag ?? ''}`;
const sameRepository = (a: EcrReference, b: EcrReference) =>
  a.accountId === b.accountId && a.region === b.region && a.repositoryName === b.repositoryName;

/**
 * Decides which ECR image a report is about. `references` are what the report names (with or
 * without a digest; a reference without one still names the repository); `digest`, when given, is
 * the digest of what the scanner actually scanned and wins over the references' digests.
 * `path` is the report field the references come from, for the error messages.
 *
 * Rules: an option wins over the report. `repositoryName` keeps only the references of that
 * repository. A digest must then be unique (else `imageDigest` is needed), and so must the
 * repository (else `repositoryName`), its account and Region (else `accountId`, `region`).
 *
 * @throws ReportOptionError naming the options to pass when the report cannot say it alone
 */
export function resolveReportImage(
  references: readonly EcrReference[],
  options: ReportImageOptions,
  context: { readonly path: string; readonly digest?: string },
): ReportImage {
  checkOptions(options);
  const { path } = context;
  const named = options.repositoryName
    ? references.filter((r) => r.repositoryName === options.repositoryName)
    : references;
  let imageDigest = options.imageDigest ?? context.digest;
  if (imageDigest === undefined) {
    const digests = [...new Set(named.flatMap((r) => (r.imageDigest ? [r.imageDigest] : [])))];
    if (digests.length > 1) {
      const several = named.filter((r) => r.imageDigest);
      const repositories = new Set(several.map((r) => r.repositoryName)).size;
      throw new ReportOptionError(
        path,
        `the report names ${digests.length} ECR images (${several.map(describeRef).join(', ')})`,
        repositories > 1 && !options.repositoryName ? ['repositoryName', 'imageDigest'] : ['imageDigest'],
      );
    }
    imageDigest = digests[0];
  }
  // References of the chosen image, or of its repository without a digest of their own.
  const matching = named.filter((r) => r.imageDigest === undefined || r.imageDigest === imageDigest);
  const repositories = matching.filter((r, i) => matching.findIndex((o) => sameRepository(o, r)) === i);
  if (repositories.length > 1 && !options.repositoryName) {
    throw new ReportOptionError(
      path,
      `the report names ${repositories.length} ECR repositories (${repositories.map((r) => r.repositoryName).join(', ')})`,
      ['repositoryName'],
    );
  }
  const [ref] = repositories;
  const pick = <K extends 'accountId' | 'region'>(key: K) => {
    const values = [...new Set(repositories.map((r) => r[key]))];
    return options[key] ?? (values.length === 1 ? values[0] : undefined);
  };
  const resolved = {
    repositoryName: options.repositoryName ?? ref?.repositoryName,
    imageDigest,
    accountId: pick('accountId'),
    region: pick('region'),
  };
  const missing = (Object.keys(resolved) as Array<keyof typeof resolved>).filter(
    (k) => resolved[k] === undefined,
  );
  if (missing.length > 0) {
    const reason =
      references.length === 0
        ? 'the report names no ECR image (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO@sha256:...)'
        : named.length === 0
          ? `the report names no image of repository ${options.repositoryName}`
          : `the report names no ${missing.includes('imageDigest') ? 'digest' : 'account and Region'} of ${ref?.repositoryName ?? 'the image'}`;
    throw new ReportOptionError(path, reason, missing);
  }
  const tags = references
    .filter((r) => ref === undefined || sameRepository(r, ref))
    .flatMap((r) => r.tag ?? []);
  return {
    accountId: resolved.accountId as string,
    region: resolved.region as string,
    repositoryName: resolved.repositoryName as string,
    imageDigest: resolved.imageDigest as string,
    imageTags: [...new Set(tags)],
  };
}

/**
 * The scan's time: the `scannedAt` option, else the report's own (`reportTime`, `path` names its
 * field). Go's zero time and an empty string mean the report has none.
 *
 * @throws ReportOptionError when neither gives one, or the report's is not a timestamp
 */
export function resolveScanTime(
  reportTime: string | undefined,
  options: ReportImageOptions,
  path: string,
): string {
  checkOptions(options);
  if (options.scannedAt !== undefined) return Timestamp.parse(options.scannedAt);
  const own = reportTime?.trim();
  if (!own || own.startsWith('0001-01-01')) {
    throw new ReportOptionError(path, 'the report does not say when it was made, which orders reports', [
      'scannedAt',
    ]);
  }
  const parsed = Timestamp.safeParse(own, PARSE_IN_ENGLISH);
  if (!parsed.success) {
    throw new InvalidInputError(`not a valid timestamp: ${JSON.stringify(own)}`, path, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}
