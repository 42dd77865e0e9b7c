/**
 * The Security Hub insights the construct creates, each filtered to this tool's active, open
 * vulnerability findings (GeneratorId under `ecr-compliance/`, ProductFields
 * `ecr-compliance/FindingType` = `vulnerability`): what a security engineer opens first.
 */
import { FINDING_TYPE_FIELD, PRODUCT_PREFIX } from '@ecr-compliance/core';
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
} as const satisfies Record<string, { name: string; filters: Filters; groupByAttribute: string }>;

/** Creates the insights of {@link INSIGHTS} under `scope`. */
export function addInsights(scope: Construct): Record<keyof typeof INSIGHTS, CfnInsight> {
  return Object.fromEntries(
    Object.entries(INSIGHTS).map(([id, insight]) => [id, new CfnInsight(scope, id, insight)]),
  ) as Record<keyof typeof INSIGHTS, CfnInsight>;
}
