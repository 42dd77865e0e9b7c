/**
 * Security Hub's validation rules for imported findings (AWS-FACTS §3), as a zod schema. The
 * mapping meets them by construction; this schema proves it on every finding it returns and
 * lets other producers check theirs.
 */
import * as z from 'zod/mini';
import { EcrComplianceError } from '../errors.js';
import { compiledOnFirstUse, formatPath } from '../parse.js';
import { SEVERITY_LABELS } from '../severity.js';
import { PARSE_IN_ENGLISH } from '../zodLocale.js';
import type { AsffFinding } from './AsffFinding.js';
import { jsonBytesUpperBound, utf8Length } from './text.js';

/** Limits of ASFF fields this project writes. */
export const LIMITS = {
  id: 512,
  title: 256,
  description: 1024,
  recommendationText: 512,
  severityOriginal: 64,
  vendorName: 128,
  productFields: 50,
  productFieldKey: 128,
  productFieldValue: 2048,
  userDefinedFields: 50,
  resources: 32,
  types: 50,
  /** "240 KB" per finding, read as 240,000 bytes to stay clear of either reading. */
  findingBytes: 240_000,
} as const;

const S = z.string().check(z.regex(/\S/, 'must not be empty or blank'));
const bounded = (max: number) => S.check(z.maxLength(max));
const Timestamp = z.iso.datetime({ offset: true });
const SeveritySchema = z.object({
  Label: z.enum(SEVERITY_LABELS),
  Original: z.optional(bounded(LIMITS.severityOriginal)),
});
const TypeSchema = S.check(
  z.regex(
    /^(Software and Configuration Checks|TTPs|Effects|Unusual Behaviors|Sensitive Data Identifications)(\/[^/]+){0,2}$/,
    'must be namespace/category/classifier',
  ),
);

const PackageSchema = z.strictObject({
  Name: S,
  Version: z.optional(S),
  Epoch: z.optional(S),
  Release: z.optional(S),
  Architecture: z.optional(S),
  PackageManager: z.optional(S),
  FilePath: z.optional(S),
  FixedInVersion: z.optional(S),
  Remediation: z.optional(S),
  SourceLayerHash: z.optional(S),
});

const VulnerabilitySchema = z.strictObject({
  Id: S,
  VulnerablePackages: z.optional(z.array(PackageSchema)),
  Cvss: z.optional(
    z.array(
      z.strictObject({
        Version: S,
        BaseScore: z.number().check(z.gte(0), z.lte(10)),
        BaseVector: z.optional(S),
        Source: z.optional(S),
      }),
    ),
  ),
  RelatedVulnerabilities: z.optional(z.array(S)),
  Vendor: z.optional(
    z.strictObject({
      Name: bounded(LIMITS.vendorName),
      Url: z.optional(S),
      VendorSeverity: z.optional(S),
      VendorCreatedAt: z.optional(Timestamp),
      VendorUpdatedAt: z.optional(Timestamp),
    }),
  ),
  ReferenceUrls: z.optional(z.array(S)),
  FixAvailable: z.optional(z.enum(['YES', 'NO', 'PARTIAL'])),
  ExploitAvailable: z.optional(z.enum(['YES', 'NO'])),
  EpssScore: z.optional(z.number().check(z.gte(0), z.lte(1))),
});

const ResourceSchema = z.strictObject({
  Type: bounded(256),
  Id: S,
  Partition: z.enum(['aws', 'aws-cn', 'aws-us-gov']),
  Region: bounded(16),
  Details: z.optional(
    z.strictObject({
      AwsEcrContainerImage: z.optional(
        z.strictObject({
          RegistryId: S,
          RepositoryName: S,
          ImageDigest: S,
          ImageTags: z.optional(z.array(S)),
          ImagePublishedAt: z.optional(S),
          Architecture: z.optional(S),
        }),
      ),
      AwsEcrRepository: z.optional(z.strictObject({ RepositoryName: S, Arn: S })),
    }),
  ),
});

/** Schema of an ASFF finding as this project writes it, with Security Hub's limits. */
export const AsffFindingSchema = z.strictObject({
  SchemaVersion: z.literal('2018-10-08'),
  Id: bounded(LIMITS.id),
  ProductArn: S.check(z.minLength(12), z.maxLength(2048)),
  ProductName: bounded(128),
  CompanyName: bounded(128),
  GeneratorId: bounded(LIMITS.id),
  AwsAccountId: z.string().check(z.regex(/^\d{12}$/)),
  Region: bounded(16),
  Types: z.array(TypeSchema).check(z.minLength(1), z.maxLength(LIMITS.types)),
  FirstObservedAt: Timestamp,
  LastObservedAt: Timestamp,
  CreatedAt: Timestamp,
  UpdatedAt: Timestamp,
  Severity: SeveritySchema,
  Title: bounded(LIMITS.title),
  Description: bounded(LIMITS.description),
  Remediation: z.optional(
    z.strictObject({
      Recommendation: z.strictObject({ Text: bounded(LIMITS.recommendationText), Url: z.optional(S) }),
    }),
  ),
  SourceUrl: z.optional(S),
  ProductFields: z
    .record(
      // One regex instead of three checks: 1-128 characters, not blank, not in AWS's `aws/` namespace.
      z
        .string()
        .check(
          z.regex(
            /^(?!aws\/)(?=[\s\S]*\S)[\s\S]{1,128}$/,
            'must be 1-128 characters, not blank, not starting with aws/',
          ),
        ),
      z.string().check(z.regex(/^(?=[\s\S]*\S)[\s\S]{1,2048}$/, 'must be 1-2048 characters, not blank')),
    )
    .check(
      z.refine((r) => Object.keys(r).length <= LIMITS.productFields, `at most ${LIMITS.productFields} pairs`),
    ),
  UserDefinedFields: z.optional(
    z
      .record(
        z.string().check(z.regex(/^(?=[\s\S]*\S)[\s\S]{1,128}$/, 'must be 1-128 characters, not blank')),
        z.string().check(z.regex(/^(?=[\s\S]*\S)[\s\S]{1,1024}$/, 'must be 1-1024 characters, not blank')),
      )
      .check(
        z.refine(
          (r) => Object.keys(r).length <= LIMITS.userDefinedFields,
          `at most ${LIMITS.userDefinedFields} pairs`,
        ),
      ),
  ),
  Resources: z.array(ResourceSchema).check(z.minLength(1), z.maxLength(LIMITS.resources)),
  Vulnerabilities: z.optional(z.array(VulnerabilitySchema)),
  RecordState: z.enum(['ACTIVE', 'ARCHIVED']),
  FindingProviderFields: z.strictObject({
    Severity: SeveritySchema,
    Types: z.array(TypeSchema).check(z.minLength(1), z.maxLength(LIMITS.types)),
  }),
});

// The hot schemas are compiled on first use (see compiledOnFirstUse).
const fullSchema = compiledOnFirstUse(AsffFindingSchema);

function fail(finding: AsffFinding, error: z.core.$ZodError): never {
  const issue = error.issues[0];
  throw new EcrComplianceError(
    `finding ${finding.Id} violates ASFF at ${issue ? `${formatPath(issue.path)}: ${issue.message}` : '(unknown)'}`,
    { cause: error },
  );
}

/** Validates without building the parsed copy; only a failing finding is parsed, for its issues. */
function check(schema: z.ZodMiniType, finding: AsffFinding): void {
  if (z.validate(schema, finding)) return;
  const result = schema.safeParse(finding, PARSE_IN_ENGLISH);
  if (!result.success) fail(finding, result.error);
}

/**
 * Checks one finding against Security Hub's rules. The mapping never produces a violation, so
 * a failure here is a bug: it throws with the field path instead of sending a doomed request.
 */
export function assertAsffFinding(finding: AsffFinding): void {
  check(fullSchema(), finding);
  assertBeyondSchema(finding);
}

/**
 * Findings whose size the mapping has already proved (it must, to decide whether to shorten
 * them); the check below does not measure them a second time.
 */
export const PROVED_WITHIN_SIZE = new WeakSet<AsffFinding>();

/** The rules a schema does not express: timestamps in order, and the size of the whole finding. */
function assertBeyondSchema(finding: AsffFinding): void {
  if (finding.UpdatedAt < finding.CreatedAt) {
    throw new EcrComplianceError(`finding ${finding.Id} violates ASFF: UpdatedAt is earlier than CreatedAt`);
  }
  // A cheap upper bound first; the exact UTF-8 size only when the bound says it might not fit.
  if (
    !PROVED_WITHIN_SIZE.has(finding) &&
    jsonBytesUpperBound(finding) > LIMITS.findingBytes &&
    utf8Length(JSON.stringify(finding)) > LIMITS.findingBytes
  ) {
    throw new EcrComplianceError(
      `finding ${finding.Id} violates ASFF: larger than ${LIMITS.findingBytes} bytes`,
    );
  }
}

/** Top-level fields that the findings of one image share (the same values, often the same objects). */
const SHAREABLE = [
  'SchemaVersion',
  'ProductArn',
  'ProductName',
  'CompanyName',
  'AwsAccountId',
  'Region',
  'Types',
  'LastObservedAt',
  'UpdatedAt',
  'RecordState',
  'GeneratorId',
  'Resources',
] as const;

// The shareable fields are present but not checked again (they are identical to checked ones).
const VaryingSchema = z.extend(
  AsffFindingSchema,
  Object.fromEntries(SHAREABLE.map((key) => [key, z.unknown()])) as {
    [K in (typeof SHAREABLE)[number]]: z.ZodMiniUnknown;
  },
);

const varyingSchema = compiledOnFirstUse(VaryingSchema);

/**
 * Checks many findings as {@link assertAsffFinding} does, faster: a finding whose shareable
 * fields are identical (`===`: equal strings, or the very same objects) to those of a finding
 * already checked in full has only its other fields checked.
 */
export function assertAsffFindings(findings: readonly AsffFinding[]): void {
  let reference: AsffFinding | undefined;
  for (const finding of findings) {
    const shares = reference !== undefined && SHAREABLE.every((key) => finding[key] === reference?.[key]);
    if (!shares) {
      assertAsffFinding(finding);
      reference ??= finding;
      continue;
    }
    check(varyingSchema(), finding);
    assertBeyondSchema(finding);
  }
}
