import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from './support/synth.js';

describe('pnpm synth', () => {
  it('writes the template, prints one line naming it, and no feature-flag notice', {
    timeout: 120_000,
  }, () => {
    const result = spawnSync('pnpm', ['--silent', 'synth'], { cwd: REPOSITORY_ROOT, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      'ecr-compliance: template written to packages/infra/cdk.out/EcrCompliance.template.json\n',
    );
    expect(result.stderr).not.toMatch(/feature flags?/i);
    expect(result.stderr.trim()).toBe('');
    const template = join(REPOSITORY_ROOT, 'packages/infra/cdk.out/EcrCompliance.template.json');
    expect(existsSync(template)).toBe(true);
    expect(JSON.parse(readFileSync(template, 'utf8')).Resources).toBeDefined();
  });
});
