/**
 * The subset of the AWS Security Finding Format that this project writes. Field names and
 * shapes follow the Security Hub API (`AwsSecurityFinding`), so SDK v3 accepts these objects
 * as they are.
 */
import type { SeverityLabel } from '../severity.js';

/** ASFF severity. */
export interface AsffSeverity {
  readonly Label: SeverityLabel;
  readonly Original?: string;
}

/** `Vulnerabilities[].VulnerablePackages[]`. */
export interface AsffVulnerablePackage {
  readonly Name: string;
  readonly Version?: string;
  readonly Epoch?: string;
  readonly Release?: string;
  readonly Architecture?: string;
  readonly PackageManager?: string;
  readonly FilePath?: string;
  readonly FixedInVersion?: string;
  readonly Remediation?: string;
  readonly SourceLayerHash?: string;
}

/** `Vulnerabilities[]`. */
export interface AsffVulnerability {
  readonly Id: string;
  readonly VulnerablePackages?: readonly AsffVulnerablePackage[];
  readonly Cvss?: ReadonlyArray<{
    readonly Version: string;
    readonly BaseScore: number;
    readonly BaseVector?: string;
    readonly Source?: string;
  }>;
  readonly RelatedVulnerabilities?: readonly string[];
  readonly Vendor?: {
    readonly Name: string;
    readonly Url?: string;
    readonly VendorSeverity?: string;
    readonly VendorCreatedAt?: string;
    readonly VendorUpdatedAt?: string;
  };
  readonly ReferenceUrls?: readonly string[];
  readonly FixAvailable?: 'YES' | 'NO' | 'PARTIAL';
  readonly ExploitAvailable?: 'YES' | 'NO';
  readonly EpssScore?: number;
}

/** `Resources[]`. */
export interface AsffResource {
  readonly Type: 'AwsEcrContainerImage' | 'AwsEcrRepository';
  readonly Id: string;
  readonly Partition: 'aws' | 'aws-cn' | 'aws-us-gov';
  readonly Region: string;
  readonly Details?: {
    readonly AwsEcrContainerImage?: {
      readonly RegistryId: string;
      readonly RepositoryName: string;
      readonly ImageDigest: string;
      readonly ImageTags?: readonly string[];
      readonly ImagePublishedAt?: string;
      readonly Architecture?: string;
    };
    readonly AwsEcrRepository?: {
      readonly RepositoryName: string;
      readonly Arn: string;
    };
  };
}

/** One ASFF finding as imported with BatchImportFindings. */
export interface AsffFinding {
  readonly SchemaVersion: '2018-10-08';
  readonly Id: string;
  readonly ProductArn: string;
  readonly ProductName: string;
  readonly CompanyName: string;
  readonly GeneratorId: string;
  readonly AwsAccountId: string;
  readonly Region: string;
  readonly Types: readonly string[];
  readonly FirstObservedAt: string;
  readonly LastObservedAt: string;
  readonly CreatedAt: string;
  readonly UpdatedAt: string;
  readonly Severity: AsffSeverity;
  readonly Title: string;
  readonly Description: string;
  readonly Remediation?: { readonly Recommendation: { readonly Text: string; readonly Url?: string } };
  readonly SourceUrl?: string;
  readonly ProductFields: Readonly<Record<string, string>>;
  /**
   * Only the mark of a block (`ecr-compliance/RepositoryBlocked`, see blockMark.ts): Security Hub
   * takes it when the import creates the finding, and ignores it on every later import.
   */
  readonly UserDefinedFields?: Readonly<Record<string, string>>;
  readonly Resources: readonly AsffResource[];
  readonly Vulnerabilities?: readonly AsffVulnerability[];
  readonly RecordState: 'ACTIVE' | 'ARCHIVED';
  readonly FindingProviderFields: { readonly Severity: AsffSeverity; readonly Types: readonly string[] };
}
