/** The README's main command (`pnpm --silent demo`) runs the whole flow against the emulator and says so. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

it('runs scan -> findings -> block -> unblock and restores the original policy', async () => {
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'packages/adapters-aws/scripts/demo.ts'],
    { cwd: root, timeout: 90_000 },
  );
  expect(stderr).toBe('');
  expect(stdout).toMatch(
    /3\. EventBridge "ECR Image Scan" -> on-image-scan: 301 distinct vulnerabilities -> 302 ASFF findings/,
  );
  expect(stdout).toMatch(/a CVE in two packages is one finding: \[HIGH\] CVE-2024-6119 - openssl, libssl3/);
  expect(stdout).toMatch(
    /5\. Custom action ECR1 on the image finding -> on-custom-action: blocked \(changed: true\)/,
  );
  expect(stdout).toContain('"Sid": "EcrComplianceDenyPull"');
  // status before the block, then after it.
  expect(stdout).toMatch(/\$ ecr-compliance status\n {4}No repository is blocked by ecr-compliance\.\n5\./);
  expect(stdout).toMatch(
    /\$ ecr-compliance status\n {4}REPOSITORY\s+STATE[^\n]*\n {4}team-a\/services\/payments-api\s+blocked\n6\./,
  );
  expect(stdout).toMatch(
    /6\. Custom action ECR2 -> on-custom-action: unblocked; the policy is exactly the original again/,
  );
}, 120_000);
