/** Ports of exceptions: where they are kept, which findings they may cover, and how a finding's workflow is written. */
import type { ExceptionRecord, ExceptionScope } from './ExceptionRecord.js';
import type { ExceptionCandidate, ExceptionUpdate } from './exceptionEffects.js';

/** Where exceptions are kept (in AWS, an encrypted DynamoDB table). */
export interface ExceptionStore {
  /** Every stored exception, expired ones included (the daily expiry removes them). */
  list(): Promise<readonly ExceptionRecord[]>;
  /** Stores a new exception; refuses an id that exists. */
  put(record: ExceptionRecord): Promise<void>;
  /** Removes one; returns what was removed, or undefined when there was none. */
  remove(id: string): Promise<ExceptionRecord | undefined>;
  /** Records that the "Exception Expiring" announcement went out, so that it goes out once. */
  markAnnounced?(id: string, at: string): Promise<void>;
  /** Whether the announcement went out. */
  announced?(id: string): Promise<boolean>;
}

/** The findings exceptions read: ACTIVE findings of this tool and of Amazon Inspector. */
export interface ExceptionFindings {
  /** ACTIVE findings about images of the scope's repositories that concern `vulnerabilityId` (or more: the caller matches again). */
  coveredBy(scope: ExceptionScope, vulnerabilityId: string): Promise<readonly ExceptionCandidate[]>;
  /** ACTIVE findings of the account this tool marked with an exception that was active when it was marked. */
  marked(accountId: string): Promise<readonly ExceptionCandidate[]>;
}

/** Writes exception updates (Security Hub BatchUpdateFindings: Workflow.Status, Note, UserDefinedFields). */
export interface FindingsWorkflow {
  /** Applies every update; returns the Ids that could not be updated, with why. */
  apply(
    updates: readonly ExceptionUpdate[],
  ): Promise<{ readonly failed: ReadonlyArray<{ readonly id: string; readonly error: string }> }>;
}
