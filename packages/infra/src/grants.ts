/**
 * IAM statements whose scope is a security decision, built in one place so that every function
 * role that needs one gets the same: the repository policy writes of the block action, and the
 * audit trail's BatchUpdateFindings.
 */
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ResolvedBlockableRepositories } from './EcrContinuousComplianceProps.js';

/**
 * The ASFF fields the audit trail (`SecurityHubAuditTrail`) writes with BatchUpdateFindings: a
 * Note and this tool's UserDefinedFields. Every other field a customer may update is denied.
 */
export const AUDIT_TRAIL_FIELDS = ['Note.Text', 'Note.UpdatedBy', 'UserDefinedFields'] as const;

/**
 * The ASFF fields BatchUpdateFindings can update that the audit trail never writes
 * (Security Hub user guide, "BatchUpdateFindings for customers": Confidence, Criticality, Note,
 * RelatedFindings, Severity, Types, UserDefinedFields, VerificationState, Workflow). Objects are
 * listed with their leaves: the guide names leaves (`Workflow.Status`), AWS's own managed policies
 * name both (`Note`, `Note.Text`), and a key that a request does not carry never matches, so
 * denying both is never broader than denying the field.
 */
export const DENIED_FINDING_FIELDS = [
  'Confidence',
  'Criticality',
  'RelatedFindings',
  'Severity',
  'Severity.Label',
  'Severity.Normalized',
  'Severity.Product',
  'Types',
  'VerificationState',
  'Workflow',
  'Workflow.Status',
] as const;

/**
 * `securityhub:BatchUpdateFindings` as the audit trail needs it: allowed on the account's hub,
 * and denied, one statement per field, whenever the request sets any field the audit trail does
 * not write (the documented pattern: `Deny` with `"Null": { "securityhub:ASFFSyntaxPath/<field>":
 * "false" }`). One statement per field, because the keys of one condition must all match: a single
 * statement would deny only requests that set every field at once. Without these, the role could
 * also set `Workflow.Status` to SUPPRESSED on any finding, and a suppressed finding releases blocks.
 *
 * @param hubArn - `arn:<partition>:securityhub:<region>:<account>:hub/default`
 */
export function auditTrailStatements(hubArn: string): PolicyStatement[] {
  return [
    new PolicyStatement({ actions: ['securityhub:BatchUpdateFindings'], resources: [hubArn] }),
    ...DENIED_FINDING_FIELDS.map(
      (field) =>
        new PolicyStatement({
          effect: Effect.DENY,
          actions: ['securityhub:BatchUpdateFindings'],
          // As documented: a Deny names every resource, so no other form of the hub ARN escapes it.
          resources: ['*'],
          conditions: { Null: { [`securityhub:ASFFSyntaxPath/${field}`]: 'false' } },
        }),
    ),
  ];
}

/**
 * The repository policy grants of the block and unblock actions.
 *
 * - Reading a policy (`ecr:GetRepositoryPolicy`) is allowed on every repository of the account and
 *   Region: the function reads before it decides, and reading changes nothing.
 * - Writing one (`ecr:SetRepositoryPolicy`, `ecr:DeleteRepositoryPolicy`) is allowed on every
 *   repository by default (`any`), only on repositories that carry the configured tag (`tag`:
 *   condition `aws:ResourceTag/KEY` = VALUE, which ECR's `repository` resource type supports), or
 *   only on repositories whose name begins with a configured prefix (`namePrefixes`: resources
 *   `repository/PREFIX*`).
 *
 * @param repositoryArn - the ARN of a repository name (or name pattern) in this account and Region
 */
export function repositoryPolicyStatements(
  repositoryArn: (name: string) => string,
  scope: ResolvedBlockableRepositories,
  options: { readonly delete?: boolean } = {},
): PolicyStatement[] {
  const read = 'ecr:GetRepositoryPolicy';
  // Only an unblock may leave a policy empty and delete it; a block-only writer never needs to.
  const writes =
    options.delete === false
      ? ['ecr:SetRepositoryPolicy']
      : ['ecr:SetRepositoryPolicy', 'ecr:DeleteRepositoryPolicy'];
  const every = repositoryArn('*');
  switch (scope.kind) {
    case 'any':
      return [new PolicyStatement({ actions: [read, ...writes], resources: [every] })];
    case 'tag':
      return [
        new PolicyStatement({ actions: [read], resources: [every] }),
        new PolicyStatement({
          actions: writes,
          resources: [every],
          conditions: { StringEquals: { [`aws:ResourceTag/${scope.key}`]: scope.value } },
        }),
      ];
    case 'namePrefixes':
      return [
        new PolicyStatement({ actions: [read], resources: [every] }),
        new PolicyStatement({
          actions: writes,
          resources: scope.prefixes.map((prefix) => repositoryArn(`${prefix}*`)),
        }),
      ];
  }
}
