/**
 * cfn-lint (from the repository's `.venv`, see scripts/setup-emulator.sh) on a synthesized
 * template, for the template tests: one place that runs it, checks it ran, and reads its findings.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from './synth.js';

const CFN_LINT = join(REPOSITORY_ROOT, '.venv/bin/cfn-lint');

/** What cfn-lint found: each finding as `Level RuleId: Message`, and its exit status (a bit mask: 2 errors, 4 warnings, 8 informational). */
export interface CfnLintResult {
  readonly findings: readonly string[];
  readonly status: number;
}

/**
 * Lints `templatePath` for `regions`. Throws when cfn-lint is missing or did not run, so that a
 * test can never pass on an empty answer.
 */
export function cfnLint(templatePath: string, regions: readonly string[] = ['us-east-1']): CfnLintResult {
  if (!existsSync(CFN_LINT)) throw new Error(`${CFN_LINT} is missing: run scripts/setup-emulator.sh`);
  const result = spawnSync(CFN_LINT, ['--format', 'json', '--regions', ...regions, '--', templatePath], {
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  const matches = JSON.parse(result.stdout || '[]') as Array<{
    Level: string;
    Message: string;
    Rule: { Id: string };
  }>;
  return {
    findings: matches.map((m) => `${m.Level} ${m.Rule.Id}: ${m.Message}`),
    status: result.status ?? 0,
  };
}

/**
 * The findings but W3005: CDK makes each function DependsOn its role (already implied by the
 * GetAtt of the role) together with the role's policy, so the function never runs without it.
 */
export const withoutDependsOnWarning = (findings: readonly string[]): string[] =>
  findings.filter((line) => !line.startsWith('Warning W3005'));

/** Only the errors among the findings. */
export const errorsOf = (findings: readonly string[]): string[] =>
  findings.filter((line) => line.startsWith('Error'));
