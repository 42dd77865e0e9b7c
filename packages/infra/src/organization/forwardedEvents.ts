import type { EventPattern } from 'aws-cdk-lib/aws-events';

/**
 * The events a member account forwards to the central bus, with the patterns of the central
 * stack's rules that receive them: a completed basic scan, a completed initial enhanced scan
 * (Amazon Inspector), and a successful image deletion. A forwarded event keeps its `account` and
 * `region`, which say where the central function acts.
 */
export const FORWARDED_EVENTS = {
  ImageScan: {
    description: 'a completed ECR basic scan',
    pattern: {
      source: ['aws.ecr'],
      detailType: ['ECR Image Scan'],
      detail: { 'scan-status': ['COMPLETE'] },
    },
  },
  EnhancedScan: {
    description: 'a completed initial enhanced scan (Amazon Inspector)',
    pattern: {
      source: ['aws.inspector2'],
      detailType: ['Inspector2 Scan'],
      detail: { 'scan-status': ['INITIAL_SCAN_COMPLETE'] },
    },
  },
  ImageDelete: {
    description: 'an ECR image deleted',
    pattern: {
      source: ['aws.ecr'],
      detailType: ['ECR Image Action'],
      detail: { 'action-type': ['DELETE'], result: ['SUCCESS'] },
    },
  },
} as const satisfies Record<string, { readonly description: string; readonly pattern: EventPattern }>;
