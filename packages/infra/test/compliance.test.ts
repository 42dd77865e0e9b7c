import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT, type Synthesized, synthesize } from './support/synth.js';

interface ValidationReport {
  readonly pluginReports: ReadonlyArray<{
    readonly pluginName: string;
    readonly conclusion: string;
    readonly violations: ReadonlyArray<{ readonly ruleName: string; readonly severity: string }>;
    readonly suppressedViolations?: ReadonlyArray<{
      readonly ruleName: string;
      readonly severity: string;
      readonly reason?: string;
      readonly acknowledgedAt?: string;
    }>;
  }>;
}

interface CfnLintMatch {
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Rule: { readonly Id: string };
}

const CFN_LINT = join(REPOSITORY_ROOT, '.venv/bin/cfn-lint');
// Regions whose CloudFormation registry has AWS::SecurityHub::ActionTarget according to cfn-lint
// 1.58 (it reports E3006 elsewhere, e.g. eu-west-1, while the type rolls out).
const LINT_REGIONS = ['us-east-1', 'us-west-2', 'eu-central-1'];

let synthesized: Synthesized;
let synthError: unknown;

beforeAll(() => {
  try {
    // Automatic remediation and unblock on: the largest template (every resource of the default,
    // plus on-finding-imported, its rule, queue and grants).
    synthesized = synthesize({
      nag: true,
      props: { autoRemediation: true, autoUnblock: true },
    });
  } catch (error) {
    // With unacknowledged errors, synthesis throws the whole report; keep it for the assertion.
    synthError = error;
  }
});
afterAll(() => {
  if (synthesized) rmSync(synthesized.outdir, { recursive: true, force: true });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding, error or warning', () => {
    expect(synthError, String(synthError)).toBeUndefined();
    const report = JSON.parse(
      readFileSync(join(synthesized.outdir, 'validation-report.json'), 'utf8'),
    ) as ValidationReport;
    const nag = report.pluginReports.find((plugin) => plugin.pluginName === 'AwsSolutions');
    expect(nag?.conclusion).toBe('success');
    const open = report.pluginReports.flatMap((plugin) =>
      plugin.violations.map(
        (violation) => `${plugin.pluginName} ${violation.severity} ${violation.ruleName}`,
      ),
    );
    expect(open).toEqual([]);
  });

  it('acknowledges only the reviewed rules, each with a reason', () => {
    const report = JSON.parse(
      readFileSync(join(synthesized.outdir, 'validation-report.json'), 'utf8'),
    ) as ValidationReport;
    const acknowledged = report.pluginReports.flatMap((plugin) => plugin.suppressedViolations ?? []);
    for (const violation of acknowledged) {
      expect(violation.reason?.length ?? 0, violation.ruleName).toBeGreaterThan(40);
    }
    const where = acknowledged
      .map((violation) => `${violation.ruleName} @ ${violation.acknowledgedAt}`)
      .sort();
    expect(where).toEqual([
      'AwsSolutions-IAM5[Resource::*] @ EcrCompliance/EcrCompliance/OnFindingImportedRole',
      'AwsSolutions-IAM5[Resource::*] @ EcrCompliance/EcrCompliance/OnImageScanRole',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/*] @ EcrCompliance/EcrCompliance/OnCustomActionRole',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/*] @ EcrCompliance/EcrCompliance/OnFindingImportedRole',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/*] @ EcrCompliance/EcrCompliance/OnImageScanRole',
      'AwsSolutions-L1 @ EcrCompliance/EcrCompliance/OnCustomAction',
      'AwsSolutions-L1 @ EcrCompliance/EcrCompliance/OnFindingImported',
      'AwsSolutions-L1 @ EcrCompliance/EcrCompliance/OnImageAction',
      'AwsSolutions-L1 @ EcrCompliance/EcrCompliance/OnImageScan',
      'AwsSolutions-SQS3 @ EcrCompliance/EcrCompliance/CustomActionDeadLetterQueue',
      'AwsSolutions-SQS3 @ EcrCompliance/EcrCompliance/FailedInvocationQueue',
      'AwsSolutions-SQS3 @ EcrCompliance/EcrCompliance/FindingImportedDeadLetterQueue',
      'AwsSolutions-SQS3 @ EcrCompliance/EcrCompliance/ImageDeleteDeadLetterQueue',
      'AwsSolutions-SQS3 @ EcrCompliance/EcrCompliance/ImageScanDeadLetterQueue',
    ]);
  });
});

describe('cfn-lint', () => {
  it('finds no error in the synthesized template', () => {
    expect(existsSync(CFN_LINT), `${CFN_LINT} is missing: run scripts/setup-emulator.sh`).toBe(true);
    const result = spawnSync(
      CFN_LINT,
      ['--format', 'json', '--regions', ...LINT_REGIONS, '--', synthesized.templatePath],
      { encoding: 'utf8' },
    );
    expect(result.error).toBeUndefined();
    const matches = JSON.parse(result.stdout || '[]') as CfnLintMatch[];
    const summary = matches.map((match) => `${match.Level} ${match.Rule.Id}: ${match.Message}`);
    expect(summary.filter((line) => line.startsWith('Error'))).toEqual([]);
    // The only warning is W3005: CDK makes each function DependsOn its role (already implied by the
    // GetAtt of the role) together with the role's policy, so the function never runs without it.
    expect(summary.filter((line) => !line.startsWith('Warning W3005'))).toEqual([]);
    // Exit status is a bit mask: 2 errors, 4 warnings, 8 informational.
    expect((result.status ?? 0) & 2).toBe(0);
  });
});
