/**
 * The rules about findings that several use cases and adapters apply: which findings are this
 * tool's, which are its image findings, which are Amazon Inspector's, and how a severity is read.
 * Each rule is written here once.
 */
import { PRODUCT_PREFIX, partitionOf } from '../asff/identity.js';
import { maxSeverity, SEVERITY_LABELS, type SeverityLabel } from '../severity.js';

/** The fields of a finding that say who wrote it. */
export interface FindingProvenance {
  readonly Id: string;
  readonly ProductArn: string;
  readonly GeneratorId: string;
}

/** The fields of a finding that say how severe it is (top level: a person's triage wins; provider's: the scanner's). */
export interface FindingSeverityFields {
  readonly Severity?:
    | { readonly Label?: string | undefined; readonly Normalized?: number | undefined }
    | undefined;
  readonly FindingProviderFields?:
    | {
        readonly Severity?:
          | { readonly Label?: string | undefined; readonly Normalized?: number | undefined }
          | undefined;
      }
    | undefined;
}

const OUR_PRODUCT = /^arn:aws(?:-cn|-us-gov)?:securityhub:([a-z0-9-]+):(\d{12}):product\/(\d{12})\/default$/;
// Amazon Inspector's own findings (enhanced scanning); only AWS can import with this product.
const INSPECTOR_PRODUCT = /^arn:aws(?:-cn|-us-gov)?:securityhub:([a-z0-9-]+)::product\/aws\/inspector$/;
const OUR_PREFIX = `${PRODUCT_PREFIX}/`;

/** The product ARN of Amazon Inspector's findings in Security Hub in `region`. */
export function inspectorProductArn(region: string): string {
  return `arn:${partitionOf(region)}:securityhub:${region}::product/aws/inspector`;
}

/** True for Amazon Inspector's product ARN in any Region and partition. */
export function isInspectorProductArn(arn: string): boolean {
  return INSPECTOR_PRODUCT.test(arn);
}

/**
 * The account of a custom integration's default product ARN
 * (`arn:aws:securityhub:REGION:ACCOUNT:product/ACCOUNT/default`, both accounts equal), the only
 * product this tool imports into; undefined for any other ARN.
 */
export function defaultProductAccount(arn: string): string | undefined {
  const match = OUR_PRODUCT.exec(arn);
  return match && match[2] === match[3] ? match[2] : undefined;
}

/** True for a GeneratorId (or finding Id) under `ecr-compliance/`, the prefix of everything this tool writes. */
export function hasOurPrefix(idOrGeneratorId: string): boolean {
  return idOrGeneratorId.startsWith(OUR_PREFIX);
}

/**
 * True when a finding claims to be this tool's: the account's default product, and a GeneratorId
 * and an Id under `ecr-compliance/`. Any principal that may import into the default product can
 * write such a finding, so this is a claim, never evidence (see docs/security.md).
 */
export function isOurFinding(finding: FindingProvenance, accountId?: string): boolean {
  const account = defaultProductAccount(finding.ProductArn);
  return (
    account !== undefined &&
    (accountId === undefined || account === accountId) &&
    hasOurPrefix(finding.GeneratorId) &&
    hasOurPrefix(finding.Id)
  );
}

/** True for this tool's image-level finding (GeneratorId `ecr-compliance/<scanner>/image`). */
export function isOurImageFinding(finding: FindingProvenance, accountId?: string): boolean {
  return isOurFinding(finding, accountId) && finding.GeneratorId.endsWith('/image');
}

/** True for Amazon Inspector's own finding (product `aws/inspector`, written only by AWS). */
export function isInspectorFinding(finding: Pick<FindingProvenance, 'ProductArn'>): boolean {
  return isInspectorProductArn(finding.ProductArn);
}

/** Who wrote a finding, as far as its fields tell: this tool, or Amazon Inspector. */
export type FindingOrigin = 'ecr-compliance' | 'amazon-inspector';

/**
 * The origin of a finding: `ecr-compliance` when {@link isOurFinding} holds, `amazon-inspector`
 * for the product `aws/inspector`, undefined for anything else. The first is a claim, not a proof.
 */
export function originOf(finding: FindingProvenance): FindingOrigin | undefined {
  if (isOurFinding(finding)) return 'ecr-compliance';
  return isInspectorFinding(finding) ? 'amazon-inspector' : undefined;
}

/**
 * The Region (and, for a custom integration's default product, the account) of a product ARN of
 * this tool or Amazon Inspector; undefined for another product.
 */
export function productPlaceOf(
  productArn: string,
): { readonly region: string; readonly accountId?: string } | undefined {
  const ours = OUR_PRODUCT.exec(productArn);
  if (ours && ours[2] === ours[3]) return { region: ours[1] as string, accountId: ours[2] as string };
  const inspector = INSPECTOR_PRODUCT.exec(productArn);
  return inspector ? { region: inspector[1] as string } : undefined;
}

/** An ASFF severity label as written, or undefined for anything else (no guessing). */
export function asSeverityLabel(raw: string | undefined): SeverityLabel | undefined {
  const upper = raw?.trim().toUpperCase();
  return (SEVERITY_LABELS as readonly (string | undefined)[]).includes(upper)
    ? (upper as SeverityLabel)
    : undefined;
}

/** The label of a `Severity.Normalized` value, by Security Hub's bands (AWS-FACTS §3.4). */
export function labelOfNormalized(normalized: number | undefined): SeverityLabel | undefined {
  if (normalized === undefined || !Number.isFinite(normalized)) return undefined;
  if (normalized >= 90) return 'CRITICAL';
  if (normalized >= 70) return 'HIGH';
  if (normalized >= 40) return 'MEDIUM';
  return normalized >= 1 ? 'LOW' : 'INFORMATIONAL';
}

/**
 * The severity a block follows: the top-level label (a person's triage when they changed it, the
 * provider's otherwise), else the provider's label, else the top-level Normalized. A label that is
 * no ASFF label counts as unknown (undefined).
 */
export function blockingSeverity(finding: FindingSeverityFields): SeverityLabel | undefined {
  return (
    asSeverityLabel(finding.Severity?.Label) ??
    asSeverityLabel(finding.FindingProviderFields?.Severity?.Label) ??
    labelOfNormalized(finding.Severity?.Normalized)
  );
}

/**
 * The highest severity any field gives: the top-level label, the top-level Normalized and the
 * provider's label. A release follows it, since unblocking relaxes security: a person's triage
 * down does not outlive a later scan that the provider rates higher. Undefined when none can be read.
 */
export function highestSeverity(finding: FindingSeverityFields): SeverityLabel | undefined {
  let highest: SeverityLabel | undefined;
  for (const label of [
    asSeverityLabel(finding.Severity?.Label),
    labelOfNormalized(finding.Severity?.Normalized),
    asSeverityLabel(finding.FindingProviderFields?.Severity?.Label),
  ]) {
    if (label !== undefined) highest = highest === undefined ? label : maxSeverity(highest, label);
  }
  return highest;
}
