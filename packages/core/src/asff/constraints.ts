/**
 * Security Hub's validation rules for imported findings (AWS-FACTS §3), as a zod schema. The
 * mapping meets them by construction; this schema proves it on every finding it returns and
 * lets other producers check theirs.
 */
import * as z from 'zod';
import { EcrComplianceError } from '../errors.js';
import { formatPath } from '../parse.js';
import { SEVERITY_LABELS } from '../severity.js';
import type { AsffFinding } from './AsffFinding.js';

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
  resources: 32,
  types: 50,
  /** 240 KB per finding. */
  findingBytes: 240 * 1024,
} as const;

const S = z.string().regex(/\S/, 'must not be empty or blank');
const bounded = (max: number) => S.max(max);
const Timestamp = z.iso.datetime({ offset: true });
const SeveritySchema = z.object({
  Label: z.enum(SEVERITY_LABELS),
  Original: bounded(LIMITS.severityOriginal).optional(),
});
const TypeSchema = S.regex(
  /^(Software and Configuration Checks|TTPs|Effects|Unusual Behaviors|Sensitive Data Identifications)(\/[^/]+){0,2}$/,
  'must be namespace/category/classifier',
);

const PackageSchema = z.strictObject({
  Name: S,
  Version: S.optional(),
  Epoch: S.optional(),
  Release: S.optional(),
  Architecture: S.optional(),
  PackageManager: S.optional(),
  FilePath: S.optional(),
  FixedInVersion: S.optional(),
  Remediation: S.optional(),
  SourceLayerHash: S.optional(),
});

const VulnerabilitySchema = z.strictObject({
  Id: S,
  VulnerablePackages: z.array(PackageSchema).optional(),
  Cvss: z
    .array(
      z.strictObject({
        Version: S,
        BaseScore: z.number().min(0).max(10),
        BaseVector: S.optional(),
        Source: S.optional(),
      }),
    )
    .optional(),
  RelatedVulnerabilities: z.array(S).optional(),
  Vendor: z
    .strictObject({
      Name: bounded(LIMITS.vendorName),
      Url: S.optional(),
      VendorSeverity: S.optional(),
      VendorCreatedAt: Timestamp.optional(),
      VendorUpdatedAt: Timestamp.optional(),
    })
    .optional(),
  ReferenceUrls: z.array(S).optional(),
  FixAvailable: z.enum(['YES', 'NO', 'PARTIAL']).optional(),
  ExploitAvailable: z.enum(['YES', 'NO']).optional(),
  EpssScore: z.number().min(0).max(1).optional(),
});

const ResourceSchema = z.strictObject({
  Type: bounded(256),
  Id: S,
  Partition: z.enum(['aws', 'aws-cn', 'aws-us-gov']),
  Region: bounded(16),
  Details: z
    .strictObject({
      AwsEcrContainerImage: z
        .strictObject({
          RegistryId: S,
          RepositoryName: S,
          ImageDigest: S,
          ImageTags: z.array(S).optional(),
          ImagePublishedAt: S.optional(),
          Architecture: S.optional(),
        })
        .optional(),
      AwsEcrRepository: z.strictObject({ RepositoryName: S, Arn: S }).optional(),
    })
    .optional(),
});

/** Schema of an ASFF finding as this project writes it, with Security Hub's limits. */
export const AsffFindingSchema = z.strictObject({
  SchemaVersion: z.literal('2018-10-08'),
  Id: bounded(LIMITS.id),
  ProductArn: S.min(12).max(2048),
  ProductName: bounded(128),
  CompanyName: bounded(128),
  GeneratorId: bounded(LIMITS.id),
  AwsAccountId: z.string().regex(/^\d{12}$/),
  Region: bounded(16),
  Types: z.array(TypeSchema).min(1).max(LIMITS.types),
  FirstObservedAt: Timestamp,
  LastObservedAt: Timestamp,
  CreatedAt: Timestamp,
  UpdatedAt: Timestamp,
  Severity: SeveritySchema,
  Title: bounded(LIMITS.title),
  Description: bounded(LIMITS.description),
  Remediation: z
    .strictObject({
      Recommendation: z.strictObject({ Text: bounded(LIMITS.recommendationText), Url: S.optional() }),
    })
    .optional(),
  SourceUrl: S.optional(),
  ProductFields: z
    .record(
      // One regex instead of three checks: 1-128 characters, not blank, not in AWS's `aws/` namespace.
      z
        .string()
        .regex(
          /^(?!aws\/)(?=[\s\S]*\S)[\s\S]{1,128}$/,
          'must be 1-128 characters, not blank, not starting with aws/',
        ),
      z.string().regex(/^(?=[\s\S]*\S)[\s\S]{1,2048}$/, 'must be 1-2048 characters, not blank'),
    )
    .refine((r) => Object.keys(r).length <= LIMITS.productFields, `at most ${LIMITS.productFields} pairs`),
  Resources: z.array(ResourceSchema).min(1).max(LIMITS.resources),
  Vulnerabilities: z.array(VulnerabilitySchema).optional(),
  RecordState: z.enum(['ACTIVE', 'ARCHIVED']),
  FindingProviderFields: z.strictObject({
    Severity: SeveritySchema,
    Types: z.array(TypeSchema).min(1).max(LIMITS.types),
  }),
});

function fail(finding: AsffFinding, error: z.ZodError): never {
  const issue = error.issues[0];
  throw new EcrComplianceError(
    `finding ${finding.Id} violates ASFF at ${issue ? `${formatPath(issue.path)}: ${issue.message}` : '(unknown)'}`,
    { cause: error },
  );
}

/**
 * Checks one finding against Security Hub's rules. The mapping never produces a violation, so
 * a failure here is a bug: it throws with the field path instead of sending a doomed request.
 */
export function assertAsffFinding(finding: AsffFinding): void {
  const result = AsffFindingSchema.safeParse(finding);
  if (!result.success) fail(finding, result.error);
  if (finding.UpdatedAt < finding.CreatedAt) {
    throw new EcrComplianceError(`finding ${finding.Id} violates ASFF: UpdatedAt is earlier than CreatedAt`);
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
const VaryingSchema = AsffFindingSchema.extend(
  Object.fromEntries(SHAREABLE.map((key) => [key, z.unknown()])) as {
    [K in (typeof SHAREABLE)[number]]: z.ZodUnknown;
  },
);

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
    const result = VaryingSchema.safeParse(finding);
    if (!result.success) fail(finding, result.error);
    if (finding.UpdatedAt < finding.CreatedAt) {
      throw new EcrComplianceError(
        `finding ${finding.Id} violates ASFF: UpdatedAt is earlier than CreatedAt`,
      );
    }
  }
}
