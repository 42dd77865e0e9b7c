import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cfnLint, errorsOf, withoutDependsOnWarning } from './support/cfnLint.js';
import { type Synthesized, synthesize } from './support/synth.js';

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
    const { findings, status } = cfnLint(synthesized.templatePath, LINT_REGIONS);
    expect(errorsOf(findings)).toEqual([]);
    // The only warning is W3005 (withoutDependsOnWarning says why).
    expect(withoutDependsOnWarning(findings)).toEqual([]);
    expect(status & 2).toBe(0);
  });
});
