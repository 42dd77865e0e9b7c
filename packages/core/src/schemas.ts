/**
 * Schemas of the scanner-neutral data the core accepts (identity fields, timestamps, and the
 * Security Hub finding an action is asked for), validated at the edges. Extra fields are
 * tolerated (stripped); errors name the field path through {@link parseWith}. Scanner-specific
 * inputs have their schemas beside their parser (`ecr/schemas.ts`, ...).
 */
import * as z from 'zod/mini';

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

/** An AWS Region code such as `eu-west-1`. */
export const Region = z
  .string()
  .check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS Region such as eu-west-1'));

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

/** A string with at least one non-blank character. */
export const NonBlank = z.string().check(z.regex(/\S/, 'must not be blank'));

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
  ProductFields: z.optional(z.record(z.string(), z.string())),
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
