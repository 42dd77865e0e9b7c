/**
 * Errors of the infra package. They are thrown while a CDK app is being built (before anything is
 * deployed), so a wrong setting stops `cdk synth` with a message that names the property.
 */

/** Base class of every error the infra package throws on purpose. */
export class EcrComplianceInfraError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EcrComplianceInfraError';
  }
}

/** A construct property, or a combination of properties, that cannot be deployed. */
export class InvalidPropsError extends EcrComplianceInfraError {
  /** Dotted path of the offending property, e.g. `blockAction.name`. */
  readonly property: string;

  constructor(property: string, message: string) {
    super(`EcrContinuousCompliance: invalid ${property}: ${message}`);
    this.name = 'InvalidPropsError';
    this.property = property;
  }
}
