import type { StoredFinding } from '../ports.js';
import type { AsffFinding, AsffSeverity } from './AsffFinding.js';
import { assertAsffFinding } from './constraints.js';

/** The top-level fields this project writes (AsffFinding's keys); the store's additions are not among them. */
const WRITTEN_FIELDS = [
  'SchemaVersion',
  'Id',
  'ProductArn',
  'ProductName',
  'CompanyName',
  'GeneratorId',
  'AwsAccountId',
  'Region',
  'Types',
  'FirstObservedAt',
  'LastObservedAt',
  'CreatedAt',
  'UpdatedAt',
  'Severity',
  'Title',
  'Description',
  'Remediation',
  'SourceUrl',
  'ProductFields',
  'Resources',
  'Vulnerabilities',
  'RecordState',
  'FindingProviderFields',
] as const;

function severityOf(value: unknown): AsffSeverity | undefined {
  const severity = value as { Label?: AsffSeverity['Label']; Original?: string } | undefined;
  if (!severity?.Label) return undefined;
  return severity.Original === undefined
    ? { Label: severity.Label }
    : { Label: severity.Label, Original: severity.Original };
}

/**
 * Turns a finding read back from the store into one this project can import again, with
 * `changes` applied (to archive it: RecordState and a later UpdatedAt). Only the fields this
 * project writes are kept: Security Hub's additions (Workflow, WorkflowState, ProcessedAt, Note,
 * UserDefinedFields, `aws/` ProductFields, a Normalized severity) are dropped, and Severity and
 * Types are those of FindingProviderFields, which a customer cannot edit (the top-level ones
 * are theirs to change with BatchUpdateFindings). The result is checked against the ASFF limits.
 */
export function fromStoredFinding(
  stored: StoredFinding,
  changes: Partial<Pick<AsffFinding, 'RecordState' | 'UpdatedAt'>>,
): AsffFinding {
  const finding: Record<string, unknown> = {};
  for (const key of WRITTEN_FIELDS) if (stored[key] !== undefined) finding[key] = stored[key];
  const provider = stored.FindingProviderFields as
    | { Severity?: unknown; Types?: readonly string[] }
    | undefined;
  const severity = severityOf(provider?.Severity) ?? severityOf(stored.Severity);
  const types = provider?.Types ?? (stored.Types as readonly string[] | undefined);
  if (severity) finding.Severity = severity;
  if (types) finding.Types = types;
  if (severity && types) finding.FindingProviderFields = { Severity: severity, Types: types };
  finding.ProductFields = Object.fromEntries(
    Object.entries((stored.ProductFields as Record<string, string> | undefined) ?? {}).filter(
      ([key]) => !key.startsWith('aws/'),
    ),
  );
  Object.assign(finding, changes);
  const result = finding as unknown as AsffFinding;
  assertAsffFinding(result);
  return result;
}
