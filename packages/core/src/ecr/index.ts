/**
 * `@ecr-compliance/core/ecr`: what only Amazon ECR's scanning needs. The DescribeImageScanFindings
 * parser (basic and enhanced scans) and the image a scan event names. Like every scanner, it
 * produces the scanner-neutral `ScannedImage` of `@ecr-compliance/core`.
 */
export { imageOfScanEvent, type ScanEvent, type ScannedImageReference } from './scanEvents.js';
export {
  ECR_BASIC_SCANNER,
  ECR_ENHANCED_SCANNER,
  type FromEcrOptions,
  mergeScanPages,
  scannedImageFromEcr,
} from './scannedImageFromEcr.js';
export {
  type BasicFinding,
  BasicFindingSchema,
  type DescribeImageScanFindings,
  DescribeImageScanFindingsSchema,
  type EnhancedFinding,
  EnhancedFindingSchema,
} from './schemas.js';
