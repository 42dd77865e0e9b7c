/**
 * The parts of a Grype JSON report (`grype -o json`) that the core reads; other fields are
 * tolerated and dropped. Field names as in Grype's `grype/presenter/models/` (SCANNERS.md).
 */
import * as z from 'zod/mini';

const NonBlank = z.string().check(z.regex(/\S/, 'must not be blank'));
const Text = z.optional(z.nullable(z.string()));
const Strings = z.optional(z.nullable(z.array(z.string())));

const CvssSchema = z.object({
  source: Text,
  type: Text,
  version: Text,
  vector: Text,
  metrics: z.optional(
    z.nullable(z.object({ baseScore: z.optional(z.nullable(z.number().check(z.gte(0), z.lte(10)))) })),
  ),
});

/** What Grype says about one advisory: `matches[].vulnerability` and `relatedVulnerabilities[]`. */
const MetadataSchema = z.object({
  id: NonBlank,
  dataSource: Text,
  namespace: Text,
  severity: Text,
  urls: Strings,
  description: Text,
  cvss: z.optional(z.nullable(z.array(CvssSchema))),
});

const VulnerabilitySchema = z.extend(MetadataSchema, {
  knownExploited: z.optional(
    z.nullable(
      z.array(
        z.object({
          cve: Text,
          dateAdded: Text,
          dueDate: Text,
          knownRansomwareCampaignUse: Text,
        }),
      ),
    ),
  ),
  epss: z.optional(
    z.nullable(
      z.array(
        z.object({
          cve: Text,
          epss: z.number().check(z.gte(0), z.lte(1)),
          percentile: z.optional(z.nullable(z.number())),
          date: Text,
        }),
      ),
    ),
  ),
  cwes: z.optional(z.nullable(z.array(z.object({ cwe: Text })))),
  fix: z.optional(z.nullable(z.object({ versions: Strings, state: Text }))),
});

/** One `matches[]` entry: one advisory in one package. */
export const GrypeMatchSchema = z.object({
  vulnerability: VulnerabilitySchema,
  relatedVulnerabilities: z.optional(z.nullable(z.array(MetadataSchema))),
  matchDetails: z.optional(
    z.nullable(z.array(z.object({ fix: z.optional(z.nullable(z.object({ suggestedVersion: Text }))) }))),
  ),
  artifact: z.object({
    name: NonBlank,
    version: Text,
    type: Text,
    locations: z.optional(z.nullable(z.array(z.object({ path: Text })))),
    purl: Text,
    metadata: z.optional(
      z.nullable(
        z.object({
          epoch: z.optional(z.nullable(z.union([z.number(), z.string()]))),
          architecture: Text,
        }),
      ),
    ),
  }),
});
/** One validated Grype match. */
export type GrypeMatch = z.output<typeof GrypeMatchSchema>;

/** A Grype JSON report of a container image. */
export const GrypeReportSchema = z.object({
  matches: z.array(GrypeMatchSchema),
  // Only counted: a match an ignore rule or a VEX statement took out.
  ignoredMatches: z.optional(z.nullable(z.array(z.object({ vulnerability: z.object({ id: z.string() }) })))),
  source: z.optional(
    z.nullable(
      z.object({
        type: z.literal('image', 'expected image (the report of grype IMAGE, not of a directory or SBOM)'),
        target: z.object({
          userInput: Text,
          manifestDigest: Text,
          tags: Strings,
          repoDigests: Strings,
          architecture: Text,
        }),
      }),
    ),
  ),
  descriptor: z.optional(z.nullable(z.object({ name: Text, version: Text, timestamp: Text }))),
});
/** A validated Grype report. */
export type GrypeReport = z.output<typeof GrypeReportSchema>;
