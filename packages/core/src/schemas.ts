/**
 * Input schemas for the data the core accepts, validated at the edges. Extra fields are
 * tolerated (stripped); errors name the field path through {@link parseWith}.
 */
import * as z from 'zod';

/** A timestamp given as epoch seconds (ECR wire format), an ISO-8601 string or a Date (SDK v3); output: ISO string. */
export const Timestamp = z.union([z.date(), z.number(), z.string()]).transform((value, ctx) => {
  const date =
    value instanceof Date ? value : typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) {
    ctx.addIssue({ code: 'custom', message: `not a valid timestamp: ${JSON.stringify(String(value))}` });
    return z.NEVER;
  }
  return date.toISOString();
});

/** Twelve-digit AWS account id. */
export const AccountId = z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id');

/** An image digest such as `sha256:<64 hex>`. */
export const ImageDigest = z
  .string()
  .regex(/^sha(256|384|512):[a-f0-9]{64,128}$/, 'expected an image digest like sha256:<64 hex digits>');

/** ECR repository name: 2-256 characters, lowercase path segments (may contain `/`). */
export const RepositoryName = z
  .string()
  .min(2)
  .max(256)
  .regex(
    /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
    'expected an ECR repository name (lowercase letters, digits, . _ - and / between segments)',
  );

const NonBlank = z.string().regex(/\S/, 'must not be blank');

/** One basic-scanning finding (`imageScanFindings.findings[]`). */
export const BasicFindingSchema = z.object({
  name: NonBlank,
  description: z.string().optional(),
  uri: z.string().optional(),
  severity: z.string().optional(),
  attributes: z.array(z.object({ key: z.string(), value: z.string().optional() })).optional(),
});
/** One basic-scanning finding after validation. */
export type BasicFinding = z.output<typeof BasicFindingSchema>;

const VulnerablePackageSchema = z.object({
  name: NonBlank,
  version: z.string().optional(),
  epoch: z.union([z.number(), z.string()]).optional(),
  release: z.string().optional(),
  arch: z.string().optional(),
  packageManager: z.string().optional(),
  filePath: z.string().optional(),
  fixedInVersion: z.string().optional(),
  remediation: z.string().optional(),
  sourceLayerHash: z.string().optional(),
});

const CvssSchema = z.object({
  baseScore: z.number().optional(),
  scoringVector: z.string().optional(),
  source: z.string().optional(),
  version: z.string().optional(),
});

/** One enhanced-scanning (Amazon Inspector) finding (`imageScanFindings.enhancedFindings[]`). */
export const EnhancedFindingSchema = z
  .object({
    awsAccountId: z.string().optional(),
    description: z.string().optional(),
    findingArn: z.string().optional(),
    firstObservedAt: Timestamp.optional(),
    lastObservedAt: Timestamp.optional(),
    updatedAt: Timestamp.optional(),
    title: z.string().optional(),
    type: z.string().optional(),
    severity: z.string().optional(),
    status: z.string().optional(),
    score: z.number().optional(),
    fixAvailable: z.string().optional(),
    exploitAvailable: z.string().optional(),
    epss: z.object({ score: z.number().optional() }).optional(),
    remediation: z
      .object({
        recommendation: z.object({ text: z.string().optional(), url: z.string().optional() }).optional(),
      })
      .optional(),
    scoreDetails: z
      .object({ cvss: CvssSchema.extend({ score: z.number().optional() }).optional() })
      .optional(),
    packageVulnerabilityDetails: z
      .object({
        vulnerabilityId: NonBlank.optional(),
        source: z.string().optional(),
        sourceUrl: z.string().optional(),
        vendorSeverity: z.string().optional(),
        vendorCreatedAt: Timestamp.optional(),
        vendorUpdatedAt: Timestamp.optional(),
        referenceUrls: z.array(z.string()).optional(),
        relatedVulnerabilities: z.array(z.string()).optional(),
        cvss: z.array(CvssSchema).optional(),
        vulnerablePackages: z.array(VulnerablePackageSchema).optional(),
      })
      .optional(),
    resources: z
      .array(
        z.object({
          details: z
            .object({
              awsEcrContainerImage: z
                .object({
                  architecture: z.string().optional(),
                  pushedAt: Timestamp.optional(),
                  platform: z.string().optional(),
                })
                .optional(),
            })
            .optional(),
        }),
      )
      .optional(),
  })
  .refine((f) => /\S/.test(f.packageVulnerabilityDetails?.vulnerabilityId ?? f.title ?? ''), {
    message: 'needs packageVulnerabilityDetails.vulnerabilityId or title',
  });
/** One enhanced-scanning finding after validation. */
export type EnhancedFinding = z.output<typeof EnhancedFindingSchema>;

/**
 * What ECR's DescribeImageScanFindings returns (one page, or all pages merged), as printed by
 * `aws ecr describe-image-scan-findings` or returned by SDK v3.
 */
export const DescribeImageScanFindingsSchema = z.object({
  registryId: AccountId,
  repositoryName: RepositoryName,
  imageId: z.object({ imageDigest: ImageDigest, imageTag: z.string().optional() }),
  imageScanStatus: z.object({ status: NonBlank, description: z.string().optional() }),
  imageScanFindings: z
    .object({
      imageScanCompletedAt: Timestamp.optional(),
      vulnerabilitySourceUpdatedAt: Timestamp.optional(),
      findingSeverityCounts: z.record(z.string(), z.number().int().nonnegative()).optional(),
      findings: z.array(BasicFindingSchema).optional(),
      enhancedFindings: z.array(EnhancedFindingSchema).optional(),
    })
    .optional(),
  nextToken: z.string().optional(),
});
/** A validated DescribeImageScanFindings response. */
export type DescribeImageScanFindings = z.output<typeof DescribeImageScanFindingsSchema>;

const envelope = {
  version: z.string().optional(),
  id: NonBlank,
  account: AccountId,
  time: Timestamp,
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as us-east-1'),
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
    'image-tags': z.array(z.string()).default([]),
    'finding-severity-counts': z.record(z.string(), z.number()).optional(),
  }),
});
/** A validated "ECR Image Scan" event. */
export type EcrImageScanEvent = z.output<typeof EcrImageScanEventSchema>;

/** The EventBridge "Security Hub Findings - Custom Action" event (AWS-FACTS §5.2). Findings are validated one by one. */
export const CustomActionEventSchema = z.object({
  ...envelope,
  source: z.literal('aws.securityhub'),
  'detail-type': z.literal('Security Hub Findings - Custom Action'),
  resources: z.array(z.string()).min(1, 'expected the custom action ARN'),
  detail: z.object({
    actionName: z.string().optional(),
    actionDescription: z.string().optional(),
    findings: z.array(z.unknown()).min(1, 'expected at least one finding'),
  }),
});
/** A validated custom action event; `detail.findings` still need {@link ActionFindingSchema}. */
export type CustomActionEvent = z.output<typeof CustomActionEventSchema>;

const SeverityField = z.object({ Label: z.string().optional(), Normalized: z.number().optional() });

/** The part of an ASFF finding (as Security Hub sends it in a custom action) that blocking needs. */
export const ActionFindingSchema = z.object({
  Id: NonBlank,
  ProductArn: NonBlank,
  GeneratorId: NonBlank,
  AwsAccountId: z.string(),
  Severity: SeverityField.optional(),
  FindingProviderFields: z.object({ Severity: SeverityField.optional() }).optional(),
  RecordState: z.string().optional(),
  Resources: z
    .array(
      z.object({
        Type: NonBlank,
        Id: NonBlank,
        Region: z.string().optional(),
        Details: z
          .object({
            AwsEcrContainerImage: z
              .object({ RegistryId: z.string().optional(), RepositoryName: z.string().optional() })
              .optional(),
            AwsEcrRepository: z.object({ RepositoryName: z.string().optional() }).optional(),
          })
          .optional(),
      }),
    )
    .min(1),
});
/** A finding from a custom action event, validated. */
export type ActionFinding = z.output<typeof ActionFindingSchema>;
