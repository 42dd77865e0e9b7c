import { rmSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it, vi } from 'vitest';
import { EcrContinuousCompliance, InvalidPropsError, resolveProps } from '../src/index.js';
import { synthesize } from './support/synth.js';

const ACCOUNT = '111122223333';
const PREFIX = `arn:aws:iam::${ACCOUNT}:role/breakglass-*`;

function refusal(run: () => unknown): InvalidPropsError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidPropsError) return error;
    throw error;
  }
  throw new Error('expected an InvalidPropsError');
}

describe('exempt principals in the construct props', () => {
  it('refuses a wildcard role prefix unless allowBroadExemptions is on', () => {
    const error = refusal(() => resolveProps({ exemptPrincipalArns: [PREFIX] }));
    expect(error.property).toBe('exemptPrincipalArns[0]');
    expect(error.message).toMatch(/has a wildcard.*allowBroadExemptions/);
    expect(resolveProps({ exemptPrincipalArns: [PREFIX], allowBroadExemptions: true })).toMatchObject({
      exemptPrincipalArns: [PREFIX],
      allowBroadExemptions: true,
    });
  });

  it.each([
    `arn:aws:iam::${ACCOUNT}:role/*`,
    `arn:aws:iam::*:role/*`,
    'arn:aws:iam::*:root',
    `arn:aws:iam::${ACCOUNT}:user/*`,
    '*',
    `arn:aws:iam::${ACCOUNT}:role//x`,
  ])('refuses %s even with allowBroadExemptions', (arn) => {
    const error = refusal(() => resolveProps({ exemptPrincipalArns: [arn], allowBroadExemptions: true }));
    expect(error.property).toBe('exemptPrincipalArns[0]');
    expect(error.message).not.toContain('\n');
  });

  it("refuses an ARN of another partition than the stack's Region, before anything is built", () => {
    const stack = new Stack(new App(), 'China', { env: { account: ACCOUNT, region: 'cn-north-1' } });
    expect(
      () =>
        new EcrContinuousCompliance(stack, 'EcrCompliance', {
          exemptPrincipalArns: [`arn:aws:iam::${ACCOUNT}:role/breakglass`],
        }),
    ).toThrow(
      /invalid exemptPrincipalArns\[0\]: .*is in the partition aws, but the Region cn-north-1 is in aws-cn/,
    );
    expect(stack.node.tryFindChild('EcrCompliance')).toBeUndefined();
    expect(
      resolveProps({ exemptPrincipalArns: [`arn:aws-cn:iam::${ACCOUNT}:root`] }, { region: 'cn-north-1' }),
    ).toMatchObject({
      exemptPrincipalArns: [`arn:aws-cn:iam::${ACCOUNT}:root`],
    });
  });

  it('does not check the partition when the Region is a token (an environment-agnostic stack)', () => {
    const stack = new Stack(new App(), 'Agnostic');
    expect(
      resolveProps({ exemptPrincipalArns: [`arn:aws-cn:iam::${ACCOUNT}:root`] }, { region: stack.region })
        .exemptPrincipalArns,
    ).toEqual([`arn:aws-cn:iam::${ACCOUNT}:root`]);
  });
});

describe('EcrContinuousCompliance with allowBroadExemptions', () => {
  it('passes ALLOW_BROAD_EXEMPTIONS to the function and warns at synth, naming the patterns', () => {
    // The synthesis prints its validation report with the warning: kept off the test output, read here.
    const printed: string[] = [];
    const keep = (...args: unknown[]) => {
      printed.push(args.map(String).join(' '));
    };
    const spies = (['log', 'warn', 'error', 'info'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(keep),
    );
    const synthesized = synthesize({
      props: { exemptPrincipalArns: [PREFIX], allowBroadExemptions: true },
    });
    try {
      synthesized.template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({ EXEMPT_PRINCIPAL_ARNS: PREFIX, ALLOW_BROAD_EXEMPTIONS: 'true' }),
        },
      });
      // Annotations.fromStack synthesizes again, printing the report again.
      Annotations.fromStack(synthesized.stack).hasWarning(
        '*',
        Match.stringLikeRegexp(
          `allowBroadExemptions is on: every role matching .*breakglass-\\*.* keeps pull access`,
        ),
      );
    } finally {
      for (const spy of spies) spy.mockRestore();
      rmSync(synthesized.outdir, { recursive: true, force: true });
    }
    expect(printed.join('\n')).toMatch(
      /WARNING allowBroadExemptions is on: every role matching .*breakglass-\*/,
    );
  });

  it('passes ALLOW_BROAD_EXEMPTIONS=false and does not warn when it is off', () => {
    const synthesized = synthesize({
      props: { exemptPrincipalArns: [`arn:aws:iam::${ACCOUNT}:role/breakglass`] },
    });
    try {
      const functions = synthesized.template.findResources('AWS::Lambda::Function');
      const variables = Object.values(functions).map(
        (f) =>
          (f as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties
            .Environment?.Variables ?? {},
      );
      expect(variables.some((v) => 'EXEMPT_PRINCIPAL_ARNS' in v)).toBe(true);
      expect(
        variables.filter((v) => 'ALLOW_BROAD_EXEMPTIONS' in v).map((v) => v.ALLOW_BROAD_EXEMPTIONS),
      ).toEqual(['false']);
      Annotations.fromStack(synthesized.stack).hasNoWarning(
        '*',
        Match.stringLikeRegexp('allowBroadExemptions'),
      );
    } finally {
      rmSync(synthesized.outdir, { recursive: true, force: true });
    }
  });
});
