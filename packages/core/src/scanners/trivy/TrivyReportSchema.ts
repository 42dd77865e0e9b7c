/**
 * The parts of a Trivy JSON report (`trivy image -f json`, SchemaVersion 2) that the core reads;
 * other fields are tolerated and dropped. Field names as in Trivy's `pkg/types/report.go` and
 * `pkg/types/vulnerability.go` (SCANNERS.md).
 */
import * as z from 'zod/mini';

const NonBlank = z.string().check(z.regex(/\S/, 'must not be blank'));
const Text = z.optional(z.nullable(z.string()));
const Strings = z.optional(z.nullable(z.array(z.string())));

/** A CVSS base score: 0 to 10. */
const Score = z.optional(z.nullable(z.number().check(z.gte(0), z.lte(10))));

const CvssSchema = z.object({
  V2Vector: Text,
  V3Vector: Text,
  V40Vector: Text,
  V2Score: Score,
  V3Score: Score,
  V40Score: Score,
});

/** One `Results[].Vulnerabilities[]` record: one advisory in one package. */
export const TrivyVulnerabilitySchema = z.object({
  VulnerabilityID: NonBlank,
  VendorIDs: Strings,
  PkgName: NonBlank,
  PkgPath: Text,
  PkgIdentifier: z.optional(z.nullable(z.object({ PURL: Text }))),
  InstalledVersion: Text,
  FixedVersion: Text,
  Status: Text,
  Layer: z.optional(z.nullable(z.object({ Digest: Text, DiffID: Text }))),
  SeveritySource: Text,
  PrimaryURL: Text,
  DataSource: z.optional(z.nullable(z.object({ ID: Text, Name: Text, URL: Text }))),
  Title: Text,
  Description: Text,
  Severity: z.optional(z.string()),
  CweIDs: Strings,
  CVSS: z.optional(z.nullable(z.record(z.string(), CvssSchema))),
  References: Strings,
  PublishedDate: Text,
  LastModifiedDate: Text,
});
/** One validated Trivy vulnerability record. */
export type TrivyVulnerability = z.output<typeof TrivyVulnerabilitySchema>;

/** `ExperimentalModifiedFindings[]` (with `--show-suppressed`): a finding a VEX or ignore file suppressed. */
const ModifiedFindingSchema = z.object({
  Type: z.string(),
  Status: Text,
  Statement: Text,
  Source: Text,
  Finding: z.optional(z.nullable(z.object({ VulnerabilityID: Text }))),
});

/** One `Results[]` entry, with `record` the schema of its `Vulnerabilities[]`. */
const resultOf = <R extends z.ZodMiniType>(record: R) =>
  z.object({
    Target: Text,
    Class: Text,
    Type: Text,
    Vulnerabilities: z.optional(z.nullable(z.array(record))),
    ExperimentalModifiedFindings: z.optional(z.nullable(z.array(ModifiedFindingSchema))),
  });

/** A Trivy report whose `Vulnerabilities[]` records each match `record`. */
const reportOf = <R extends z.ZodMiniType>(record: R) =>
  z.object({
    SchemaVersion: z.literal(2, 'expected 2 (the report of trivy image -f json)'),
    CreatedAt: Text,
    ArtifactName: Text,
    ArtifactType: z.optional(
      z.literal(
        'container_image',
        'expected container_image (the report of trivy image, not trivy fs or sbom)',
      ),
    ),
    Metadata: z.optional(
      z.nullable(
        z.object({
          ImageID: Text,
          RepoTags: Strings,
          RepoDigests: Strings,
          ImageConfig: z.optional(z.nullable(z.object({ architecture: Text }))),
        }),
      ),
    ),
    Results: z.optional(z.nullable(z.array(resultOf(record)))),
  });

/** A Trivy JSON report of a container image. */
export const TrivyReportSchema = reportOf(TrivyVulnerabilitySchema);
/** A validated Trivy report. */
export type TrivyReport = z.output<typeof TrivyReportSchema>;

/**
 * {@link TrivyReportSchema} without the check of its records: the parser checks those one by
 * one with {@link TrivyVulnerabilitySchema}. Both together accept exactly what the report schema
 * accepts.
 */
export const TrivyReportFrameSchema = reportOf(z.unknown());
