import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EcrContinuousCompliance } from './EcrContinuousCompliance.js';
import type { EcrContinuousComplianceProps } from './EcrContinuousComplianceProps.js';

/** Properties of {@link EcrComplianceStack}. */
export interface EcrComplianceStackProps extends StackProps {
  /**
   * Settings of the pipeline.
   *
   * @default - the construct's defaults
   */
  readonly compliance?: EcrContinuousComplianceProps;
}

/** A stack that holds nothing but one {@link EcrContinuousCompliance}: what `pnpm run deploy` deploys. */
export class EcrComplianceStack extends Stack {
  /** The pipeline. */
  public readonly compliance: EcrContinuousCompliance;

  constructor(scope: Construct, id: string, props: EcrComplianceStackProps = {}) {
    const { compliance, ...stackProps } = props;
    super(scope, id, {
      description:
        'ecr-compliance: ECR image scan findings in Security Hub, and pull blocking from Security Hub',
      ...stackProps,
    });
    this.compliance = new EcrContinuousCompliance(this, 'EcrCompliance', compliance);
  }
}
