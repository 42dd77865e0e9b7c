/**
 * Input schemas for the data the core accepts, validated at the edges. Extra fields are
 * tolerated (stripped); errors name the field path through {@link parseWith}.
 */
import * as z from 'zod/mini';
import './zodConfig.js';

/** A timestamp given as epoch seconds (ECR wire format), an ISO-8601 string or a Date (SDK v3); output: ISO string. */
export const Timestamp = z.pipe(
  z.union([z.date(), z.number(), z.string()]),
  z.transform((value: Date | number | string, ctx) => {
    const date =
      value instanceof Date ? value : typeof value === 'number' ? new Date(value * 1000) : new Date(value);
    // Years outside 1970-9999 are no scan time; epoch milliseconds sent as seconds land there.
    const year = date.getUTCFullYear();
    if (Number.isNaN(date.getTime()) || year < 1970 || year > 9999) {
      ctx.issues.push({
        code: 'custom',
        message: `not a valid timestamp: ${JSON.stringify(String(value))}`,
        input: value,
      });
      return z.NEVER;
    }
    return date.toISOString();
  }),
);

/** Twelve-digit AWS account id. */
export const AccountId = z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit AWS account id'));

/** An image digest such as `sha256:<64 hex>`. */
export const ImageDigest = z
  .string()
  .check(
    z.regex(/^sha(256|384|512):[a-f0-9]{64,128}$/, 'expected an image digest like sha256:<64 hex digits>'),
  );

/** ECR repository name: 2-256 characters, lowercase path segments (may contain `/`). */
export const RepositoryName = z
  .string()
  .check(
    z.minLength(2),
    z.maxLength(256),
    z.regex(
      /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
      'expected an ECR repository name (lowercase letters, digits, . _ - and / between segments)',
    ),
  );

const NonBlank = z.string().check(z.regex(/\S/, 'must not be blank'));

/** One basic-scanning finding (`imageScanFindings.findings[]`). */
export const BasicFindingSchema = z.object({
  name: NonBlank,
  description: z.optional(z.string()),
  uri: z.optional(z.string()),
  severity: z.optional(z.string()),
  attributes: z.optional(z.array(z.object({ key: z.string(), value: z.optional(z.string()) }))),
});
/** One basic-scanning finding after validation. */
export type BasicFinding = z.output<typeof BasicFindingSchema>;

const VulnerablePackageSchema = z.object({
  name: NonBlank,
  version: z.optional(z.string()),
  epoch: z.optional(z.union([z.number(), z.string()])),
  release: z.optional(z.string()),
  arch: z.optional(z.string()),
  packageManager: z.optional(z.string()),
  filePath: z.optional(z.string()),
  fixedInVersion: z.optional(z.string()),
  remediation: z.optional(z.string()),
  sourceLayerHash: z.optional(z.string()),
});

const CvssSchema = z.object({
  baseScore: z.optional(z.number()),
  scoringVector: z.optional(z.string()),
  source: z.optional(z.string()),
  version: z.optional(z.string()),
});

/** One enhanced-scanning (Amazon Inspector) finding (`imageScanFindings.enhancedFindings[]`). */
export const EnhancedFindingSchema = z
  .object({
    awsAccountId: z.optional(z.string()),
    description: z.optional(z.string()),
    findingArn: z.optional(z.string()),
    firstObservedAt: z.optional(Timestamp),
    lastObservedAt: z.optional(Timestamp),
    updatedAt: z.optional(Timestamp),
    title: z.optional(z.string()),
    type: z.optional(z.string()),
    severity: z.optional(z.string()),
    status: z.optional(z.string()),
    score: z.optional(z.number()),
    fixAvailable: z.optional(z.string()),
    exploitAvailable: z.optional(z.string()),
    epss: z.optional(z.object({ score: z.optional(z.number()) })),
    remediation: z.optional(
      z.object({
        recommendation: z.optional(z.object({ text: z.optional(z.string()), url: z.optional(z.string()) })),
      }),
    ),
    scoreDetails: z.optional(
      z.object({ cvss: z.optional(z.extend(CvssSchema, { score: z.optional(z.number()) })) }),
    ),
    packageVulnerabilityDetails: z.optional(
      z.object({
        vulnerabilityId: z.optional(NonBlank),
        source: z.optional(z.string()),
        sourceUrl: z.optional(z.string()),
        vendorSeverity: z.optional(z.string()),
        vendorCreatedAt: z.optional(Timestamp),
        vendorUpdatedAt: z.optional(Timestamp),
        referenceUrls: z.optional(z.array(z.string())),
        relatedVulnerabilities: z.optional(z.array(z.string())),
        cvss: z.optional(z.array(CvssSchema)),
        vulnerablePackages: z.optional(z.array(VulnerablePackageSchema)),
      }),
    ),
    resources: z.optional(
      z.array(
        z.object({
          details: z.optional(
            z.object({
              awsEcrContainerImage: z.optional(
                z.object({
                  architecture: z.optional(z.string()),
                  pushedAt: z.optional(Timestamp),
                  platform: z.optional(z.string()),
                }),
              ),
            }),
          ),
        }),
      ),
    ),
  })
  .check(
    z.refine((f) => /\S/.test(f.packageVulnerabilityDetails?.vulnerabilityId ?? f.title ?? ''), {
      message: 'needs packageVulnerabilityDetails.vulnerabilityId or title',
    }),
  );
/** One enhanced-scanning finding after validation. */
export type EnhancedFinding = z.output<typeof EnhancedFindingSchema>;

/**
 * What ECR's DescribeImageScanFindings returns (one page, or all pages merged), as printed by
 * `aws ecr describe-image-scan-findings` or returned by SDK v3.
 */
export const DescribeImageScanFindingsSchema = z.object({
  registryId: AccountId,
  repositoryName: RepositoryName,
  imageId: z.object({ imageDigest: ImageDigest, imageTag: z.optional(z.string()) }),
  imageScanStatus: z.object({ status: NonBlank, description: z.optional(z.string()) }),
  imageScanFindings: z.optional(
    z.object({
      imageScanCompletedAt: z.optional(Timestamp),
      vulnerabilitySourceUpdatedAt: z.optional(Timestamp),
      findingSeverityCounts: z.optional(z.record(z.string(), z.number().check(z.int(), z.nonnegative()))),
      findings: z.optional(z.array(BasicFindingSchema)),
      enhancedFindings: z.optional(z.array(EnhancedFindingSchema)),
    }),
  ),
  /** Next-page token of the service: set on every page but the last (null or absent there). */
  nextToken: z.optional(z.nullable(z.string())),
  /** Next-page token that the AWS CLI prints under `--max-items` when items remain. */
  NextToken: z.optional(z.nullable(z.string())),
});
/** A validated DescribeImageScanFindings response. */
export type DescribeImageScanFindings = z.output<typeof DescribeImageScanFindingsSchema>;

const envelope = {
  version: z.optional(z.string()),
  id: NonBlank,
  account: AccountId,
  time: Timestamp,
  region: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as us-east-1')),
  resources: z.array(z.string()),
};

/** The EventBridge "ECR Image Scan" event (AWS-FACTS §1.2). */
export const EcrImageScanEventSchema = z.object({
  ...envelope,
  source: z.literal('aws.ecr'),
  'detail-type': z.literal('ECR Image Scan'),
  detail: z.object({
    'scan-status': NonBlank,
    'repository-name': RepositoryName,
    'image-digest': ImageDigest,
    'image-tags': z._default(z.array(z.string()), []),
    'finding-severity-counts': z.optional(z.record(z.string(), z.number())),
  }),
});
/** A validated "ECR Image Scan" event. */
export type EcrImageScanEvent = z.output<typeof EcrImageScanEventSchema>;

/**
 * The EventBridge "Inspector2 Scan" event (AWS-FACTS §1.5): Amazon Inspector finished the initial
 * scan of an image in a registry with enhanced scanning, which sends no "ECR Image Scan" event.
 * Every published example puts the repository ARN, not its name, in `repository-name`, so both are
 * accepted here; {@link imageOfScanEvent} resolves it. The event carries counts only, no findings.
 */
export const Inspector2ScanEventSchema = z.object({
  ...envelope,
  source: z.literal('aws.inspector2'),
  'detail-type': z.literal('Inspector2 Scan'),
  detail: z.object({
    'scan-status': NonBlank,
    'repository-name': NonBlank,
    'image-digest': ImageDigest,
    'image-tags': z._default(z.array(z.string()), []),
    'finding-severity-counts': z.optional(z.record(z.string(), z.number())),
  }),
});
/** A validated "Inspector2 Scan" event. */
export type Inspector2ScanEvent = z.output<typeof Inspector2ScanEventSchema>;

/**
 * The EventBridge "ECR Image Action" event (AWS-FACTS §1.3): a push or a deletion. `image-tag` is
 * one string here (the scan event has an array) and may be absent for an untagged image.
 */
export const EcrImageActionEventSchema = z.object({
  ...envelope,
  source: z.literal('aws.ecr'),
  'detail-type': z.literal('ECR Image Action'),
  detail: z.object({
    'action-type': NonBlank,
    result: NonBlank,
    'repository-name': RepositoryName,
    'image-digest': ImageDigest,
    'image-tag': z.optional(z.string()),
  }),
});
/** A validated "ECR Image Action" event. */
export type EcrImageActionEvent = z.output<typeof EcrImageActionEventSchema>;

/** The EventBridge "Security Hub Findings - Custom Action" event (AWS-FACTS §5.2). Findings are validated one by one. */
export const CustomActionEventSchema = z.object({
  ...envelope,
  source: z.literal('aws.securityhub'),
  'detail-type': z.literal('Security Hub Findings - Custom Action'),
  resources: z.array(z.string()).check(z.minLength(1, 'expected the custom action ARN')),
  detail: z.object({
    actionName: z.optional(z.string()),
    actionDescription: z.optional(z.string()),
    findings: z.array(z.unknown()).check(z.minLength(1, 'expected at least one finding')),
  }),
});
/** A validated custom action event; `detail.findings` still need {@link ActionFindingSchema}. */
export type CustomActionEvent = z.output<typeof CustomActionEventSchema>;

/**
 * The EventBridge "Security Hub Findings - Imported" event (AWS-FACTS §5.4): one finding,
 * created or updated. Automatic remediation acts on it. Findings are validated one by one.
 */
export const FindingsImportedEventSchema = z.object({
  ...envelope,
  source: z.literal('aws.securityhub'),
  'detail-type': z.literal('Security Hub Findings - Imported'),
  detail: z.object({
    findings: z.array(z.unknown()).check(z.minLength(1, 'expected at least one finding')),
  }),
});
/** A validated "Findings - Imported" event; `detail.findings` still need {@link ActionFindingSchema}. */
export type FindingsImportedEvent = z.output<typeof FindingsImportedEventSchema>;

const SeverityField = z.object({ Label: z.optional(z.string()), Normalized: z.optional(z.number()) });

/** The part of an ASFF finding (as Security Hub sends it in a custom action) that blocking needs. */
export const ActionFindingSchema = z.object({
  Id: NonBlank,
  ProductArn: NonBlank,
  GeneratorId: NonBlank,
  AwsAccountId: z.string(),
  Severity: z.optional(SeverityField),
  FindingProviderFields: z.optional(z.object({ Severity: z.optional(SeverityField) })),
  RecordState: z.optional(z.string()),
  Workflow: z.optional(z.object({ Status: z.optional(z.string()) })),
  Resources: z
    .array(
      z.object({
        Type: NonBlank,
        Id: NonBlank,
        Region: z.optional(z.string()),
        Details: z.optional(
          z.object({
            AwsEcrContainerImage: z.optional(
              z.object({ RegistryId: z.optional(z.string()), RepositoryName: z.optional(z.string()) }),
            ),
            AwsEcrRepository: z.optional(z.object({ RepositoryName: z.optional(z.string()) })),
          }),
        ),
      }),
    )
    .check(z.minLength(1)),
});
/** A finding from a custom action event, validated. */
export type ActionFinding = z.output<typeof ActionFindingSchema>;
