/**
 * A local AWS for the command line's online examples, with no AWS account: starts moto (the
 * emulator `bash scripts/setup.sh` installs), creates the repository the README's examples name
 * (`team-a/api`, with a policy of two statements and the image `1.8.2` with a realistic basic scan
 * of 301 vulnerabilities), prints the variables to export in another shell, and runs until
 * Ctrl-C (or SIGTERM), which stops moto.
 *
 *   pnpm --silent emulator
 */
import { readFileSync } from 'node:fs';
import { ECRClient, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { awsClientConfig, MOTO_ACCOUNT_ID, startMoto } from '../test/support/moto.js';
import { pushScannedImage } from '../test/support/scenario.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const REPOSITORY = 'team-a/api';
const TAG = '1.8.2';
const example = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../examples/${name}`, import.meta.url), 'utf8'));

const moto = await startMoto();
const stop = async () => {
  await moto.stop();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
try {
  const ecr = new ECRClient(awsClientConfig(moto.endpoint, moto.region));
  const scan = example('describe-image-scan-findings.basic.json');
  const digest = await pushScannedImage(ecr, moto.endpoint, moto.region, {
    repository: REPOSITORY,
    tag: TAG,
    findings: scan.imageScanFindings.findings,
  });
  const policy = example('get-repository-policy.json').policyText.replaceAll('111122223333', MOTO_ACCOUNT_ID);
  await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: REPOSITORY, policyText: policy }));
  ecr.destroy();
  process.stdout.write(
    [
      `# moto at ${moto.endpoint} (account ${MOTO_ACCOUNT_ID}): repository ${REPOSITORY}, image ${TAG} (${digest}),`,
      `# ${scan.imageScanFindings.findings.length} scan findings, a policy of two statements. Ctrl-C stops it.`,
      '# In another shell:',
      `export AWS_ENDPOINT_URL=${moto.endpoint}`,
      `export AWS_REGION=${moto.region}`,
      'export AWS_ACCESS_KEY_ID=testing',
      'export AWS_SECRET_ACCESS_KEY=testing',
      '',
    ].join('\n'),
  );
} catch (error) {
  process.stderr.write(`emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  await moto.stop();
  process.exit(1);
}
// Runs until a signal stops it.
setInterval(() => {}, 1 << 30);
