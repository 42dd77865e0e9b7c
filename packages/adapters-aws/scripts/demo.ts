/**
 * The whole flow on this machine, with no AWS account: start a local AWS emulator (moto), create a
 * repository with a policy and a scanned image, run the real Lambda handlers on the events AWS
 * would send, and show the findings and the repository policy at each step.
 *
 *   pnpm --silent demo            (after: bash scripts/setup.sh)
 */
import { readFileSync } from 'node:fs';
import { ECRClient, GetRepositoryPolicyCommand, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { type Io, processIo } from '../src/cli/io.js';
import { run } from '../src/cli/main.js';
import { awsClientConfig, MOTO_ACCOUNT_ID, startMoto } from '../test/support/moto.js';
import {
  createIdempotencyTable,
  customActionEvent,
  everyFinding,
  handlerEnvironment,
  imageScanEvent,
  lambdaContext,
  pushScannedImage,
} from '../test/support/scenario.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const REPOSITORY = 'team-a/services/payments-api';
const example = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../examples/${name}`, import.meta.url), 'utf8'));
const say = (text = '') => process.stdout.write(`${text}\n`);
const indent = (text: string) => text.replace(/^/gm, '    ');

async function main() {
  say('ecr-compliance demo: scan -> Security Hub findings -> block -> unblock, against a local AWS emulator');
  say();
  const moto = await startMoto();
  try {
    const config = awsClientConfig(moto.endpoint, moto.region);
    const ecr = new ECRClient(config);
    const securityHub = new SecurityHubClient(config);
    say(
      `1. Started moto (AWS emulator) at ${moto.endpoint}, account ${MOTO_ACCOUNT_ID}, region ${moto.region}`,
    );

    const scan = example('describe-image-scan-findings.basic.json');
    const digest = await pushScannedImage(ecr, moto.endpoint, moto.region, {
      repository: REPOSITORY,
      tag: '1.8.2',
      findings: scan.imageScanFindings.findings,
    });
    const original = JSON.parse(
      example('get-repository-policy.json').policyText.replaceAll('111122223333', MOTO_ACCOUNT_ID),
    );
    await ecr.send(
      new SetRepositoryPolicyCommand({
        repositoryName: REPOSITORY,
        policyText: JSON.stringify(original, null, 2),
      }),
    );
    say(
      `2. Created repository ${REPOSITORY} with a policy of ${original.Statement.length} statements (${original.Statement.map((s: { Sid: string }) => s.Sid).join(', ')})`,
    );
    say(
      `   pushed image ${digest} (tag 1.8.2); its basic scan reports ${scan.imageScanFindings.findings.length} package findings`,
    );

    await createIdempotencyTable(config, 'ecr-compliance-idempotency');
    Object.assign(
      process.env,
      handlerEnvironment(moto.endpoint, {
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        // The metrics' EMF lines are for CloudWatch, not for the demo's reader.
        POWERTOOLS_METRICS_DISABLED: 'true',
      }),
    );
    // Imported only now: their module scope reads the environment set just above.
    const { handler: onImageScan } = await import('../src/handlers/on-image-scan.js');
    const { handler: onCustomAction } = await import('../src/handlers/on-custom-action.js');

    const scanEvent = imageScanEvent({
      id: '1308b246-e57d-469a-a8b1-158a7eb0b7ad',
      repository: REPOSITORY,
      digest,
      tags: ['1.8.2'],
    });
    const imported = await onImageScan(scanEvent, lambdaContext('on-image-scan'));
    if (imported.outcome !== 'imported') throw new Error(`the scan was not imported: ${imported.reason}`);
    say(
      `3. EventBridge "ECR Image Scan" -> on-image-scan: ${imported.vulnerabilities} distinct vulnerabilities -> ${imported.findings} ASFF findings, imported with ${imported.publish.requests} BatchImportFindings calls`,
    );

    const findings = await everyFinding(securityHub);
    const bySeverity: Record<string, number> = {};
    for (const f of findings)
      bySeverity[f.Severity?.Label ?? '?'] = (bySeverity[f.Severity?.Label ?? '?'] ?? 0) + 1;
    const image = findings.find((f) => f.ProductFields?.['ecr-compliance/FindingType'] === 'image');
    const twoPackages = findings.find((f) => (f.Vulnerabilities?.[0]?.VulnerablePackages?.length ?? 0) > 1);
    say(
      `4. Security Hub (GetFindings) holds ${findings.length} findings: ${Object.entries(bySeverity)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}`,
    );
    say(`   image finding:   [${image?.Severity?.Label}] ${image?.Title}`);
    say(
      `   a CVE in two packages is one finding: [${twoPackages?.Severity?.Label}] ${twoPackages?.Title} (packages: ${twoPackages?.Vulnerabilities?.[0]?.VulnerablePackages?.map((p) => `${p.Name} ${p.Version}`).join(', ')})`,
    );

    // The command line, as a person would run it against the same emulator.
    const status = async () => {
      const out: string[] = [];
      const io: Io = { ...processIo, stdout: (text) => out.push(text) };
      const code = await run(['status', '--endpoint-url', moto.endpoint, '--region', moto.region], io);
      if (code !== 0) throw new Error(`ecr-compliance status failed with exit code ${code}`);
      return out.join('').trimEnd();
    };
    say(`   $ ecr-compliance status\n${indent(await status())}`);

    const action = (id: string, target: string) =>
      customActionEvent({ id, action: target, findings: [image] });
    const env = handlerEnvironment(moto.endpoint);
    const blocked = await onCustomAction(
      action('835b2b99-0001', env.BLOCK_ACTION_ARN ?? ''),
      lambdaContext('on-custom-action'),
    );
    const block = blocked.outcomes[0];
    if (block?.status !== 'blocked')
      throw new Error(`expected the block to act, got ${JSON.stringify(block)}`);
    const policyNow = await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: REPOSITORY }));
    say(
      `5. Custom action ECR1 on the image finding -> on-custom-action: ${block.status} (changed: ${block.changed})`,
    );
    say('   repository policy now (the existing statements are kept, the Deny is added):');
    say(indent(JSON.stringify(JSON.parse(policyNow.policyText ?? '{}'), null, 2)));
    say(`   $ ecr-compliance status\n${indent(await status())}`);

    const unblocked = await onCustomAction(
      action('835b2b99-0002', env.UNBLOCK_ACTION_ARN ?? ''),
      lambdaContext('on-custom-action'),
    );
    const restored = JSON.parse(
      (await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: REPOSITORY }))).policyText ?? '{}',
    );
    const same = JSON.stringify(restored) === JSON.stringify(original);
    say(
      `6. Custom action ECR2 -> on-custom-action: ${unblocked.outcomes[0]?.status}; the policy is ${same ? 'exactly the original again' : 'NOT the original'}`,
    );
    say();
    say(
      block.audit.recorded
        ? 'Audit trail: a note on the finding says what was done.'
        : 'Audit trail: not written here (the emulator has no BatchUpdateFindings); on AWS a note on the finding says what was done.',
    );
    if (!same) process.exitCode = 1;
  } finally {
    await moto.stop();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`demo failed: ${error.name}: ${error.message}\n`);
  process.exitCode = 1;
});
