/**
 * The exception record: a person's decision to accept one vulnerability in a scope for a while,
 * with an owner, a reason and an end date. Exceptions always expire; the core reads no clock, so
 * every rule that needs the present takes `now` as a parameter.
 */
import * as z from 'zod/mini';
import { InvalidInputError } from '../errors.js';
import { formatPath } from '../parse.js';
import { PARSE_IN_ENGLISH } from '../zodLocale.js';

/**
 * Why a vulnerability is accepted: OpenVEX 0.2.0's justifications for `not_affected`, plus
 * `accepted_risk` for "affected, and we accept it until the end date" (OpenVEX has no word for it).
 */
export const EXCEPTION_JUSTIFICATIONS = [
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
  'accepted_risk',
] as const;

/** One of {@link EXCEPTION_JUSTIFICATIONS}. */
export type ExceptionJustification = (typeof EXCEPTION_JUSTIFICATIONS)[number];

/** The longest expiry a deployment allows unless it says otherwise, in whole days. */
export const DEFAULT_MAX_EXCEPTION_DAYS = 90;

/**
 * The tag of the exceptions table that holds the deployment's longest allowed expiry in days (the
 * construct's `exceptions.maxExpiryDays`), so that the command line refuses what the functions
 * would ignore.
 */
export const MAX_EXPIRY_DAYS_TAG = 'ecr-compliance:max-expiry-days';

/** The longest expiry any deployment may allow, in whole days (a year). */
export const MAX_EXCEPTION_DAYS_LIMIT = 366;

const DAY_MS = 24 * 60 * 60 * 1000;

/** What an exception covers. Exactly one of `repositoryName`, `repositoryPrefix`, `allRepositories`. */
export interface ExceptionScope {
  /** The 12-digit account of the repositories (in an organization, the member account). */
  readonly accountId: string;
  /** One repository, by its exact name. */
  readonly repositoryName?: string;
  /** Every repository whose name begins with this (literal, not blank). */
  readonly repositoryPrefix?: string;
  /** Every repository of the account: only when asked for explicitly (`--all-repositories`). */
  readonly allRepositories?: true;
  /** Only this image (`sha256:...`). */
  readonly imageDigest?: string;
  /** Only this package, by name (`openssl`) or by PURL (`pkg:apk/alpine/openssl@1.1.1`). */
  readonly package?: string;
}

/** A stored exception: checked, with an id and its creation and end. */
export interface ExceptionRecord {
  /** Stable id, `exc-` and letters, digits or dashes; named on every finding it touches. */
  readonly id: string;
  /** The advisory: a CVE, GHSA or distribution advisory id, compared without regard to case. */
  readonly vulnerabilityId: string;
  readonly scope: ExceptionScope;
  readonly justification: ExceptionJustification;
  /** Free text: why, in the owner's words (OpenVEX's impact statement). */
  readonly statement: string;
  /** Who answers for it (a person or team, e.g. an e-mail address). */
  readonly owner: string;
  /** ISO-8601. */
  readonly createdAt: string;
  /** ISO-8601, mandatory: the exception stops suppressing at this instant. */
  readonly expiresAt: string;
}

const text = (max: number) =>
  z.string().check(z.trim(), z.minLength(1, 'must not be blank'), z.maxLength(max));
const instant = z.string().check(
  z.refine(
    (s) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s) &&
      !Number.isNaN(Date.parse(s)),
    {
      error: 'must be an ISO-8601 date-time with a zone, e.g. 2027-01-31T00:00:00Z',
    },
  ),
);

const ScopeSchema = z
  .object({
    accountId: z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit account id')),
    repositoryName: z.optional(
      z
        .string()
        .check(
          z.regex(
            /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
            'must be an ECR repository name (lowercase)',
          ),
        ),
    ),
    repositoryPrefix: z.optional(
      z
        .string()
        .check(
          z.regex(
            /^[a-z0-9][a-z0-9._/-]*$/,
            'must be the literal, non-blank start of an ECR repository name (lowercase, no wildcard)',
          ),
        ),
    ),
    allRepositories: z.optional(z.literal(true, 'must be true when given')),
    imageDigest: z.optional(
      z.string().check(z.regex(/^sha256:[a-f0-9]{64}$/, 'must be sha256: and 64 hexadecimal digits')),
    ),
    package: z.optional(text(512)),
  })
  .check(
    z.superRefine((scope, ctx) => {
      const named = [scope.repositoryName, scope.repositoryPrefix, scope.allRepositories].filter(
        (v) => v !== undefined,
      ).length;
      if (named === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['repositoryName'],
          message:
            'name a repository or a repository prefix; an exception for every repository of the account needs allRepositories (--all-repositories)',
        });
      } else if (named > 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['repositoryName'],
          message: 'give one of repositoryName, repositoryPrefix and allRepositories',
        });
      }
    }),
  );

/** The schema of a stored {@link ExceptionRecord} (no clock: whether it is still active is {@link exceptionState}). */
export const ExceptionRecordSchema = z.object({
  id: z
    .string()
    .check(z.regex(/^exc-[A-Za-z0-9-]{1,60}$/, 'must be exc- and 1 to 60 letters, digits or dashes')),
  vulnerabilityId: z
    .string()
    .check(
      z.regex(
        /^[A-Za-z0-9][A-Za-z0-9._:-]{1,127}$/,
        'must be an advisory id such as CVE-2024-1234 or GHSA-xxxx-xxxx-xxxx',
      ),
    ),
  scope: ScopeSchema,
  justification: z.enum(EXCEPTION_JUSTIFICATIONS, {
    error: `must be one of ${EXCEPTION_JUSTIFICATIONS.join(', ')}`,
  }),
  statement: text(1000),
  owner: text(256),
  createdAt: instant,
  expiresAt: z
    .string({ error: 'is required: every exception ends (there is no exception without an end date)' })
    .check(
      z.refine((s) => instant.safeParse(s).success, {
        error: 'must be an ISO-8601 date-time with a zone, e.g. 2027-01-31T00:00:00Z',
      }),
    ),
});

/** Throws the first issue of a failed parse as one line that names the field. */
function firstIssue(error: z.core.$ZodError, what: string): never {
  const issue = error.issues[0];
  const path = issue ? formatPath(issue.path) : '';
  throw new InvalidInputError(`${issue?.message ?? 'invalid'} (in ${what})`, path || '(root)', {
    cause: error,
  });
}

/**
 * Reads a stored exception (a table item, an exported file): the shape only, so that an expired
 * record can still be read, listed and lifted.
 *
 * @throws InvalidInputError naming the field, e.g. `scope.accountId: must be a 12-digit account id (in exception)`
 */
export function parseExceptionRecord(data: unknown): ExceptionRecord {
  const result = ExceptionRecordSchema.safeParse(data, PARSE_IN_ENGLISH);
  if (!result.success) firstIssue(result.error, 'exception');
  return result.data as ExceptionRecord;
}

/** Checks a `maxExpiryDays` setting: a whole number of days from 1 to {@link MAX_EXCEPTION_DAYS_LIMIT}. */
export function resolveMaxExceptionDays(value: number | undefined, name = 'maxExceptionDays'): number {
  if (value === undefined) return DEFAULT_MAX_EXCEPTION_DAYS;
  if (!Number.isInteger(value) || value < 1 || value > MAX_EXCEPTION_DAYS_LIMIT) {
    throw new InvalidInputError(
      `must be a whole number of days from 1 to ${MAX_EXCEPTION_DAYS_LIMIT}, got ${value}`,
      name,
    );
  }
  return value;
}

/**
 * Checks a new exception at `now` (the caller's clock, ISO-8601): its shape, then that it ends
 * after `now` and no later than `now` plus `maxExpiryDays`. `createdAt` is set to `now`.
 *
 * @throws InvalidInputError with one line naming the field: no expiry, an expiry in the past or
 *   beyond the limit, an unknown justification, a scope of every repository without `allRepositories`
 */
export function newException(
  input: Omit<ExceptionRecord, 'createdAt'> | Record<string, unknown>,
  options: { readonly now: string; readonly maxExpiryDays?: number },
): ExceptionRecord {
  const maxDays = resolveMaxExceptionDays(options.maxExpiryDays);
  const record = parseExceptionRecord({ ...input, createdAt: options.now });
  const now = Date.parse(options.now);
  const end = Date.parse(record.expiresAt);
  if (end <= now) {
    throw new InvalidInputError(
      `is not in the future (${record.expiresAt} is not after ${options.now}) (in exception)`,
      'expiresAt',
    );
  }
  if (end > now + maxDays * DAY_MS) {
    throw new InvalidInputError(
      `is more than ${maxDays} days away (${record.expiresAt}); the longest allowed expiry is ${maxDays} days (in exception)`,
      'expiresAt',
    );
  }
  return record;
}

/**
 * Whether a stored exception lasts no longer than `maxExpiryDays` from its creation. The command
 * line refuses longer ones; a record written into the table around it is ignored by the functions.
 */
export function withinMaxExpiry(record: ExceptionRecord, maxExpiryDays: number): boolean {
  return Date.parse(record.expiresAt) - Date.parse(record.createdAt) <= maxExpiryDays * DAY_MS;
}
