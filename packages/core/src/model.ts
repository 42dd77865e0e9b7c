/**
 * The scanner-independent model of one scanned image. ECR basic and enhanced scans map into it
 * today; Trivy or Grype reports can map into it the same way.
 */
import type { SeverityLabel } from './severity.js';

/** Which scanner produced a result; `id` enters finding Ids and GeneratorIds, so it never changes. */
export interface Scanner {
  /** Stable identifier, lowercase: `ecr-basic`, `ecr-enhanced`, `trivy`, ... */
  readonly id: string;
  /** Human name shown as the vulnerability vendor when the scanner names no better source. */
  readonly name: string;
}

/** One affected package of a vulnerability. */
export interface VulnerablePackage {
  readonly name: string;
  readonly version?: string;
  readonly epoch?: string;
  readonly release?: string;
  readonly architecture?: string;
  readonly packageManager?: string;
  readonly filePath?: string;
  readonly fixedInVersion?: string;
  readonly remediation?: string;
  readonly sourceLayerHash?: string;
}

/** One CVSS score of a vulnerability. */
export interface CvssScore {
  readonly version: string;
  readonly baseScore: number;
  readonly baseVector?: string;
  readonly source?: string;
}

/** One distinct vulnerability of the image, with every package it affects. */
export interface Vulnerability {
  /** Advisory id: a CVE, GHSA, ALAS, ... (never blank). */
  readonly id: string;
  readonly title?: string;
  readonly description?: string;
  readonly severity: SeverityLabel;
  /** The scanner's own severity word (e.g. `UNDEFINED`, `UNTRIAGED`). */
  readonly originalSeverity: string;
  readonly packages: readonly VulnerablePackage[];
  readonly cvss: readonly CvssScore[];
  readonly referenceUrls: readonly string[];
  readonly relatedVulnerabilities: readonly string[];
  /** Where the advisory comes from (`NVD`, `DEBIAN_CVE`, ...); defaults to the scanner's name. */
  readonly vendorName?: string;
  readonly vendorUrl?: string;
  readonly vendorSeverity?: string;
  readonly vendorCreatedAt?: string;
  readonly vendorUpdatedAt?: string;
  readonly fixAvailable?: 'YES' | 'NO' | 'PARTIAL';
  readonly exploitAvailable?: 'YES' | 'NO';
  readonly epssScore?: number;
  readonly remediationText?: string;
  readonly remediationUrl?: string;
  /** When the scanner first saw it (enhanced scanning), ISO-8601. */
  readonly firstObservedAt?: string;
  /** The scanner's own finding id, e.g. Inspector's finding ARN. */
  readonly sourceFindingId?: string;
  /**
   * Scanner-specific facts that ASFF has no field for (Inspector's score and vector, a CISA KEV
   * date, Trivy's status, ...). Each key is written to `ProductFields` as `ecr-compliance/<key>`;
   * keys and values are plain text, blank values are dropped.
   */
  readonly details?: Readonly<Record<string, string>>;
}

/**
 * Identifies one repository: its account (the ECR registry id), Region and name. This is the one
 * identity type of a repository; an image's ({@link ImageIdentity}) extends it.
 */
export interface RepositoryIdentity {
  readonly accountId: string;
  readonly region: string;
  readonly repositoryName: string;
}

/** Identifies one image: its repository and its registry (manifest) digest, as the findings' resource Id names it (`imageArn`). */
export interface ImageIdentity extends RepositoryIdentity {
  readonly imageDigest: string;
}

/** One scanned image and its vulnerabilities. */
export interface ScannedImage extends ImageIdentity {
  readonly scanner: Scanner;
  /** Tags at scan time; informative only, never part of an identity. */
  readonly imageTags: readonly string[];
  readonly imagePushedAt?: string;
  readonly architecture?: string;
  /** When the scan completed, ISO-8601: the finding timestamps derive from it, never from a clock. */
  readonly scanCompletedAt: string;
  readonly vulnerabilitySourceUpdatedAt?: string;
  readonly vulnerabilities: readonly Vulnerability[];
  /**
   * Vulnerabilities the scanner reported as suppressed or ignored (VEX statements, ignore files).
   * They are not imported as findings; the image finding counts them.
   */
  readonly suppressedCount?: number;
}
