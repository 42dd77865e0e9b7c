import { EcrComplianceError } from '../errors.js';
import type { AsffFinding, AsffVulnerability } from './AsffFinding.js';
import { LIMITS, PROVED_WITHIN_SIZE } from './constraints.js';
import { compact, field } from './fields.js';
import { jsonBytesUpperBound, utf8Length } from './text.js';

/**
 * Keeps a finding under Security Hub's 240 KB by listing fewer packages and reference URLs, and
 * says so in its ProductFields. Only images with thousands of packages for one advisory get here.
 */
export function fitSize(finding: AsffFinding): AsffFinding {
  // Nearly every finding is far below the limit: a cheap bound proves it without serializing.
  if (jsonBytesUpperBound(finding) <= LIMITS.findingBytes) {
    PROVED_WITHIN_SIZE.add(finding);
    return finding;
  }
  const fits = (f: AsffFinding) => utf8Length(JSON.stringify(f)) <= LIMITS.findingBytes;
  if (fits(finding)) return finding;
  const [vulnerability] = finding.Vulnerabilities ?? [];
  if (!vulnerability) return finding;
  // Halve the longest lists first: reference URLs, related advisories and CVSS scores, then the
  // packages (one always stays). Every other field has a bounded length.
  const lists = {
    ReferenceUrls: vulnerability.ReferenceUrls ?? [],
    RelatedVulnerabilities: vulnerability.RelatedVulnerabilities ?? [],
    Cvss: vulnerability.Cvss ?? [],
    VulnerablePackages: vulnerability.VulnerablePackages ?? [],
  };
  const kept = {
    ReferenceUrls: lists.ReferenceUrls.length,
    RelatedVulnerabilities: lists.RelatedVulnerabilities.length,
    Cvss: lists.Cvss.length,
    VulnerablePackages: lists.VulnerablePackages.length,
  };
  const build = (): AsffFinding => ({
    ...finding,
    ProductFields: {
      ...finding.ProductFields,
      [field('ListedPackages')]:
        `${kept.VulnerablePackages} of ${lists.VulnerablePackages.length} packages listed (finding size limit)`,
    },
    Vulnerabilities: [
      compact<AsffVulnerability>({
        ...vulnerability,
        ReferenceUrls: lists.ReferenceUrls.slice(0, kept.ReferenceUrls),
        RelatedVulnerabilities: lists.RelatedVulnerabilities.slice(0, kept.RelatedVulnerabilities),
        Cvss: lists.Cvss.slice(0, kept.Cvss),
        VulnerablePackages: lists.VulnerablePackages.slice(0, kept.VulnerablePackages),
      }),
    ],
  });
  let candidate = build();
  while (!fits(candidate)) {
    if (kept.ReferenceUrls > 0) kept.ReferenceUrls = Math.floor(kept.ReferenceUrls / 2);
    else if (kept.RelatedVulnerabilities > 0)
      kept.RelatedVulnerabilities = Math.floor(kept.RelatedVulnerabilities / 2);
    else if (kept.Cvss > 1) kept.Cvss = Math.floor(kept.Cvss / 2);
    else if (kept.VulnerablePackages > 1) kept.VulnerablePackages = Math.floor(kept.VulnerablePackages / 2);
    else {
      throw new EcrComplianceError(
        `finding ${finding.Id} cannot be brought under ${LIMITS.findingBytes} bytes: one of its texts is longer than Security Hub allows`,
      );
    }
    candidate = build();
  }
  return candidate;
}
