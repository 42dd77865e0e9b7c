/**
 * Synthesizes the stack the app deploys. The functions take the prebuilt bundles in
 * packages/infra/lambda (the synth project's global setup builds them), as a user's synth does.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll } from 'vitest';
import { EcrComplianceStack, type EcrContinuousComplianceProps } from '../../src/index.js';

const infraRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Repository root (where `.venv` lives). */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
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
  /** Register cdk-nag's AwsSolutions checks (default false). */
  readonly nag?: boolean;
}

/** Synthesizes the app's stack into a fresh temporary directory. */
export function synthesize(options: SynthesizeOptions = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'ecr-compliance-infra-'));
  const app = new App({ outdir, context: { ...cdkJsonContext } });
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

/**
 * {@link synthesize}, with every output removed after the calling test file's tests. Call it at
 * the file's top level (it registers an `afterAll`).
 */
export function synthesizeInThisFile(): (options?: SynthesizeOptions) => Synthesized {
  const outputs: Synthesized[] = [];
  afterAll(() => {
    for (const s of outputs) rmSync(s.outdir, { recursive: true, force: true });
  });
  return (options = {}) => {
    const result = synthesize(options);
    outputs.push(result);
    return result;
  };
}
