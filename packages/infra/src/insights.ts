/**
 * The Security Hub insights the construct creates: two over this tool's active, open
 * vulnerability findings (GeneratorId under `ecr-compliance/`, ProductFields
 * `ecr-compliance/FindingType` = `vulnerability`), and one over its image findings that carry the
 * block mark: what a security engineer opens first.
 */
import {
  BLOCK_MARK_FIELD,
  BLOCK_MARK_VALUES,
  FINDING_TYPE_FIELD,
  PRODUCT_PREFIX,
} from '@ecr-compliance/core';
import { CfnInsight } from 'aws-cdk-lib/aws-securityhub';
import type { Construct } from 'constructs';

type Filters = CfnInsight.AwsSecurityFindingFiltersProperty;

/** What every insight of this tool looks at: its open, active vulnerability findings. */
const OURS: Filters = {
  generatorId: [{ value: `${PRODUCT_PREFIX}/`, comparison: 'PREFIX' }],
  productFields: [{ key: FINDING_TYPE_FIELD, value: 'vulnerability', comparison: 'EQUALS' }],
  recordState: [{ value: 'ACTIVE', comparison: 'EQUALS' }],
  workflowStatus: [
    { value: 'NEW', comparison: 'EQUALS' },
    { value: 'NOTIFIED', comparison: 'EQUALS' },
  ],
};

/** The insights, by construct id: name, filters and the attribute the findings are grouped by. */
export const INSIGHTS = {
  ImagesAtRiskInsight: {
    name: 'ecr-compliance: images by active CRITICAL and HIGH vulnerabilities',
    filters: {
      ...OURS,
      severityLabel: [
        { value: 'CRITICAL', comparison: 'EQUALS' },
        { value: 'HIGH', comparison: 'EQUALS' },
      ],
    },
    // Each vulnerability finding names its image (the image ARN) as its resource.
    groupByAttribute: 'ResourceId',
  },
  FixAvailableInsight: {
    name: 'ecr-compliance: vulnerabilities with a fix available',
    filters: { ...OURS, vulnerabilitiesFixAvailable: [{ value: 'YES', comparison: 'EQUALS' }] },
    // The title is "<vulnerability id> - <package>[, <package> and N more]".
    groupByAttribute: 'Title',
  },
  BlockedRepositoriesInsight: {
    name: 'ecr-compliance: repositories blocked now',
    // Every active image finding of a repository whose pulls are denied; its workflow status does
    // not matter (a suppressed image finding is still of a blocked repository).
    filters: {
      generatorId: [{ value: `${PRODUCT_PREFIX}/`, comparison: 'PREFIX' }],
      productFields: [{ key: FINDING_TYPE_FIELD, value: 'image', comparison: 'EQUALS' }],
      recordState: [{ value: 'ACTIVE', comparison: 'EQUALS' }],
      userDefinedFields: [{ key: BLOCK_MARK_FIELD, value: BLOCK_MARK_VALUES.blocked, comparison: 'EQUALS' }],
    },
    // An image finding names its image and its repository (AwsEcrRepository, the repository ARN).
    groupByAttribute: 'ResourceId',
  },
} as const satisfies Record<string, { name: string; filters: Filters; groupByAttribute: string }>;

/** Creates the insights of {@link INSIGHTS} under `scope`. */
export function addInsights(scope: Construct): Record<keyof typeof INSIGHTS, CfnInsight> {
  return Object.fromEntries(
    Object.entries(INSIGHTS).map(([id, insight]) => [id, new CfnInsight(scope, id, insight)]),
  ) as Record<keyof typeof INSIGHTS, CfnInsight>;
}
