import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Reads a JSON fixture under packages/core/test/fixtures. */
export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(here(`../fixtures/${name}`), 'utf8')) as T;
}

/** Reads a bundled example under the repository's examples/ folder. */
export function example<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(here(`../../../../examples/${name}`), 'utf8')) as T;
}

/** A deep copy that can be mutated freely. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

/**
 * `value`, frozen at every level: a parser that writes into its input throws on it (test modules
 * are strict), so a test can show that a report is read in place and left as it was.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The fields Security Hub adds to a finding it stores (AWS-FACTS §5.3), for custom action events. */
export function asStoredBySecurityHub<T extends object>(finding: T): T & Record<string, unknown> {
  return {
    ...finding,
    WorkflowState: 'NEW',
    Workflow: { Status: 'NEW' },
    ProcessedAt: '2026-11-20T10:16:06.402Z',
    ProductFields: {
      ...(finding as { ProductFields?: Record<string, string> }).ProductFields,
      'aws/securityhub/ProductName': 'Default',
      'aws/securityhub/CompanyName': 'Personal',
    },
  };
}

/** A "Security Hub Findings - Custom Action" event carrying `findings`. */
export function customActionEvent(findings: unknown[], actionArn: string, account = '111122223333') {
  return {
    version: '0',
    id: '835b2b99-1e85-43ee-8e39-503ba80e0ba8',
    'detail-type': 'Security Hub Findings - Custom Action',
    source: 'aws.securityhub',
    account,
    time: '2026-11-20T11:02:41Z',
    region: 'us-east-1',
    resources: [actionArn],
    detail: { actionName: 'Block ECR pulls', actionDescription: 'Denies pulls', findings },
  };
}
