import { blockPolicy, type FindingGranularity, toAsffFindings, unblockPolicy } from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { type Io, parseJson, printJson, readInput, UsageError } from './io.js';

const GRANULARITIES = ['vulnerability', 'image', 'both'] as const;

/** Checks a --granularity value. */
export function granularityOf(value: string | undefined): FindingGranularity {
  if (value === undefined) return 'both';
  if ((GRANULARITIES as readonly string[]).includes(value)) return value as FindingGranularity;
  throw new UsageError(
    `--granularity must be one of ${GRANULARITIES.join(', ')}, not ${JSON.stringify(value)}`,
  );
}

/** `ecr-compliance findings`: scan findings JSON in, ASFF findings JSON out. */
export async function findingsCommand(
  io: Io,
  options: { input?: string; region?: string; granularity?: string },
): Promise<void> {
  const granularity = granularityOf(options.granularity);
  const region = options.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError('no region: pass --region R or set AWS_REGION');
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    throw new UsageError(`--region: not an AWS region: ${JSON.stringify(region)}`);
  const { text, source } = await readInput(io, options.input, 'scan findings');
  const findings = toAsffFindings(scannedImageFromEcr(parseJson(text, source), { region }), { granularity });
  printJson(io, findings);
}

/** The policy text from a raw document or from `aws ecr get-repository-policy` output. */
function policyTextOf(text: string, source: string): string {
  const value = parseJson(text, source);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const policyText = (value as { policyText?: unknown }).policyText;
    if (typeof policyText === 'string') return policyText;
  }
  return text;
}

/** `ecr-compliance policy block|unblock`: policy document in, changed document out. */
export async function policyCommand(
  io: Io,
  action: string | undefined,
  options: {
    policy?: string;
    region?: string;
    'exempt-principal'?: string[];
    'allow-broad-exemptions'?: boolean;
  },
): Promise<void> {
  if (action !== 'block' && action !== 'unblock') {
    throw new UsageError(`policy needs block or unblock${action ? `, not ${JSON.stringify(action)}` : ''}`);
  }
  if (action === 'unblock' && options['exempt-principal']?.length) {
    throw new UsageError('--exempt-principal applies to policy block only');
  }
  // Exempt principals must be of the Region's partition, when a Region is known.
  const region = options.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  let current: string | null = null;
  if (options.policy) {
    const { text, source } = await readInput(io, options.policy, 'policy');
    current = policyTextOf(text, source);
  }
  const change =
    action === 'block'
      ? blockPolicy(current, {
          exemptPrincipalArns: options['exempt-principal'] ?? [],
          allowBroadExemptions: options['allow-broad-exemptions'] ?? false,
          ...(region ? { region } : {}),
        })
      : unblockPolicy(current);
  printJson(io, { changed: change.changed, policy: change.policy });
}
