/**
 * @ecr-compliance/core/scanners: the parsers of scanners' own reports (Trivy, Grype), each a pure
 * function from the report to the core's scanner-neutral `ScannedImage`, and what they share: which
 * ECR image and which time a report is about. See docs/adding-a-scanner.md.
 */
export { GRYPE_SCANNER, scannedImageFromGrype } from './grype/scannedImageFromGrype.js';
export {
  type EcrReference,
  parseEcrReference,
  type ReportImage,
  type ReportImageOption,
  type ReportImageOptions,
  ReportOptionError,
  resolveReportImage,
  resolveScanTime,
} from './reportImage.js';
export { scannedImageFromTrivy, TRIVY_SCANNER } from './trivy/scannedImageFromTrivy.js';
