/**
 * Synthesizes the stack the app deploys, once per test file (bundling takes seconds). With `bundle:
 * false` the functions get a placeholder asset instead of an esbuild bundle (CDK's own
 * `aws:cdk:bundling-stacks` switch), for tests that only look at the template's shape.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EcrComplianceStack, type EcrContinuousComplianceProps } from '../../src/index.js';

const infraRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Repository root (where `.venv` lives). */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
// CDK bundles with `pnpm exec -- esbuild` from the repository root; esbuild is a dependency of this
// package, so its bin directory must be on PATH, as it is under `pnpm --filter @ecr-compliance/infra`.
const bin = join(infraRoot, 'node_modules/.bin');
if (!(process.env.PATH ?? '').split(delimiter).includes(bin)) {
  process.env.PATH = `${bin}${delimiter}${process.env.PATH ?? ''}`;
}

/** Context of cdk.json, so that tests synthesize what `cdk synth` does. */
const cdkJsonContext = (JSON.parse(readFileSync(join(infraRoot, 'cdk.json'), 'utf8')) as { context?: object })
  .context;

/** The result of {@link synthesize}. */
export interface Synthesized {
  readonly app: App;
  readonly stack: EcrComplianceStack;
  readonly template: Template;
  /** The template as plain JSON. */
  readonly json: Record<string, unknown>;
  /** The cloud assembly directory. */
  readonly outdir: string;
  /** Absolute path of the template file. */
  readonly templatePath: string;
}

/** Options of {@link synthesize}. */
export interface SynthesizeOptions {
  readonly props?: EcrContinuousComplianceProps;
  /** Run esbuild (default true). */
  readonly bundle?: boolean;
  /** Register cdk-nag's AwsSolutions checks (default false). */
  readonly nag?: boolean;
}

/** Synthesizes the app's stack into a fresh temporary directory. */
export function synthesize(options: SynthesizeOptions = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'ecr-compliance-infra-'));
  const context = {
    ...cdkJsonContext,
    ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
  };
  const app = new App({ outdir, context });
  const stack = new EcrComplianceStack(
    app,
    'EcrCompliance',
    options.props ? { compliance: options.props } : {},
  );
  if (options.nag === true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  const templatePath = join(outdir, artifact.templateFile);
  return {
    app,
    stack,
    template: Template.fromJSON(artifact.template as Record<string, unknown>),
    json: artifact.template as Record<string, unknown>,
    outdir,
    templatePath,
  };
}
