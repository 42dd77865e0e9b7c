/**
 * Errors of the core. Expected outcomes (nothing to do, below threshold, already blocked) are
 * returned as values; these classes are for input that cannot be used and for broken
 * infrastructure behind a port.
 */

/** Base class of every error this project throws on purpose. */
export class EcrComplianceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EcrComplianceError';
  }
}

/** Data that does not match its schema; `path` names the offending field (e.g. `imageScanFindings.findings[3].severity`). */
export class InvalidInputError extends EcrComplianceError {
  readonly path: string;
  constructor(message: string, path: string, options?: { cause?: unknown }) {
    super(path ? `${path}: ${message}` : message, options);
    this.name = 'InvalidInputError';
    this.path = path;
  }
}

/** A scan that carries no findings (yet): IN_PROGRESS, FAILED, UNSUPPORTED_IMAGE, LIMIT_EXCEEDED, ... */
export class ScanNotCompleteError extends EcrComplianceError {
  readonly status: string;
  constructor(status: string, description?: string) {
    super(
      `image scan status is ${status}${description ? ` (${description})` : ''}; only COMPLETE (basic) or ACTIVE (enhanced) scans carry findings`,
    );
    this.name = 'ScanNotCompleteError';
    this.status = status;
  }
}

/** The scan, image or repository does not exist (or scanning is not enabled for it). */
export class ResourceNotFoundError extends EcrComplianceError {
  readonly kind: 'scan' | 'image' | 'repository';
  constructor(kind: 'scan' | 'image' | 'repository', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ResourceNotFoundError';
    this.kind = kind;
  }
}

/**
 * Some findings of one event could not be handled (an unreadable policy, a failed call); the
 * others were. `outcomes` holds every finding's outcome in event order, failures included, so
 * that the caller can log them; the event should reach the failure destination.
 */
export class FindingsNotHandledError<Outcome = unknown> extends EcrComplianceError {
  readonly outcomes: ReadonlyArray<Outcome | FindingFailure>;
  readonly failed: readonly FindingFailure[];
  constructor(outcomes: ReadonlyArray<Outcome | FindingFailure>, failed: readonly FindingFailure[]) {
    super(
      `${failed.length} of ${outcomes.length} findings not handled: ${failed.map((f) => f.error).join('; ')}`,
      { cause: failed[0]?.cause },
    );
    this.name = 'FindingsNotHandledError';
    this.outcomes = outcomes;
    this.failed = failed;
  }
}

/** One finding that an error stopped: its Id when it has one, the error as one line, and the error itself. */
export interface FindingFailure {
  readonly status: 'failed';
  readonly findingId: string | null;
  readonly error: string;
  readonly cause: unknown;
}

/** The existing repository policy could not be read as a policy document; it must never be overwritten. */
export class PolicyUnreadableError extends EcrComplianceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`existing repository policy is unreadable, refusing to change it: ${message}`, options);
    this.name = 'PolicyUnreadableError';
  }
}

/**
 * The existing repository policy holds a statement with this tool's Sid that is not this tool's
 * statement (other content, or two statements with that Sid). Blocking or unblocking would
 * replace or delete someone else's statement, so the policy is left untouched.
 */
export class PolicyConflictError extends EcrComplianceError {
  /** Indexes (in `Statement`) of the statements that carry this tool's Sid. */
  readonly statements: readonly number[];
  constructor(message: string, statements: readonly number[]) {
    super(
      `existing repository policy conflicts with this tool's statement, refusing to change it: ${message}`,
    );
    this.name = 'PolicyConflictError';
    this.statements = statements;
  }
}

/**
 * The policy that would be written exceeds ECR's limit of 10,240 characters (Unicode code points,
 * as the API model's length constraint counts a string).
 */
export class PolicyTooLargeError extends EcrComplianceError {
  /** The length of the compact policy text, in Unicode code points. */
  readonly length: number;
  constructor(length: number, limit: number) {
    super(`resulting repository policy would be ${length} characters, over ECR's limit of ${limit}`);
    this.name = 'PolicyTooLargeError';
    this.length = length;
  }
}

/** Findings that could not be imported after every retry that could help. */
export class PublishError extends EcrComplianceError {
  readonly failed: ReadonlyArray<{ id: string; errorCode: string; errorMessage: string }>;
  constructor(
    message: string,
    failed: ReadonlyArray<{ id: string; errorCode: string; errorMessage: string }>,
  ) {
    super(message);
    this.name = 'PublishError';
    this.failed = failed;
  }
}
