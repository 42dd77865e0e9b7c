/**
 * The sentences of the findings: titles, descriptions and recommendations. They follow the scanner
 * (no "ECR" for a Trivy report) and the configured custom actions (no hard-coded Id).
 */
import type { CustomActionReference } from '../config.js';
import type { ScannedImage, Vulnerability, VulnerablePackage } from '../model.js';

/**
 * Package names a title lists before it counts the rest, as Inspector's titles do:
 * "CVE-2024-6119 - openssl, libssl3 and 1 more".
 */
export const TITLE_PACKAGE_NAMES = 2;

/**
 * `names` for a title: all of them up to {@link TITLE_PACKAGE_NAMES}, otherwise the first ones
 * and how many more there are.
 *
 * @example packageList(['a', 'b', 'c', 'd']) // 'a, b and 2 more'
 */
export function packageList(names: readonly string[]): string {
  if (names.length <= TITLE_PACKAGE_NAMES) return names.join(', ');
  return `${names.slice(0, TITLE_PACKAGE_NAMES).join(', ')} and ${names.length - TITLE_PACKAGE_NAMES} more`;
}

/** Distinct package names of `v`, in the order reported. */
export function packageNames(v: Vulnerability): string[] {
  if (v.packages.length === 1) return [(v.packages[0] as { name: string }).name];
  return [...new Set(v.packages.map((p) => p.name))];
}

/** "CVE-x - pkg-a, pkg-b and 1 more", or the advisory id alone when no package is named. */
export function vulnerabilityTitle(v: Vulnerability, names: readonly string[]): string {
  return names.length > 0 ? `${v.id} - ${packageList(names)}` : v.id;
}

function describePackage(p: VulnerablePackage): string {
  return p.version ? `${p.name} ${p.version}` : p.name;
}

/** Description of a vulnerability that its scanner left without one: who reported it, and where. */
export function missingDescription(v: Vulnerability, vendorName: string): string {
  const affected = v.packages.length > 0 ? `; affected: ${v.packages.map(describePackage).join(', ')}` : '';
  return `${vendorName} reported ${v.id} without a description${affected}.`;
}

/**
 * Recommendation of a vulnerability finding: the scanner's own text, otherwise the fixed versions
 * to upgrade to, otherwise what to update.
 */
export function vulnerabilityRecommendation(v: Vulnerability): string {
  if (v.remediationText?.trim()) return v.remediationText.trim();
  const fixes = v.packages.filter((p) => p.fixedInVersion && p.fixedInVersion !== 'NotAvailable');
  if (fixes.length > 0) {
    const list = fixes.map((p) => `${p.name} to ${p.fixedInVersion}`).join(', ');
    return `Upgrade ${list} or later, then rebuild and push the image.`;
  }
  const names = v.packages.map((p) => p.name);
  const what = names.length > 0 ? names.join(', ') : 'the affected packages';
  return `Update ${what} to a version that fixes ${v.id} (or rebuild on an updated base image), then push the image and scan it again.`;
}

/** `repository@digest`, how the image findings name an image. */
export function imageReference(image: ScannedImage): string {
  return `${image.repositoryName}@${image.imageDigest}`;
}

/**
 * Title of the image finding: counts, the scanner that found them and the image, e.g.
 * "3 vulnerabilities (1 critical, 2 high) found by Trivy in image team-a/api@sha256:...".
 */
export function imageTitle(
  image: ScannedImage,
  counts: { readonly total: number; readonly critical: number; readonly high: number },
): string {
  const noun = counts.total === 1 ? 'vulnerability' : 'vulnerabilities';
  return `${counts.total} ${noun} (${counts.critical} critical, ${counts.high} high) found by ${image.scanner.name} in image ${imageReference(image)}`;
}

/**
 * Recommendation of the image finding. It names the block action as configured when the mapping
 * knows it (Id and name not blank), otherwise it speaks of "the block action of ecr-compliance".
 */
export function imageRecommendation(total: number, blockAction: CustomActionReference | undefined): string {
  if (total === 0) return 'No action needed.';
  const named = blockAction && /\S/.test(blockAction.id) && /\S/.test(blockAction.name);
  const action = named
    ? `the custom action "${blockAction.name.trim()}" (${blockAction.id.trim()})`
    : 'the block action of ecr-compliance';
  return `Rebuild the image on an updated base image with fixed packages, push it and scan it again. To stop pulls of the repository meanwhile, select this finding and run ${action}.`;
}
