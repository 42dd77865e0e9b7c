import { blockPolicy, type FindingGranularity, toAsffFindings, unblockPolicy } from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { formatOf, inputOf, type ReportFlags, refuseFlags, scannedImageFromReport } from './formats.js';
import { checkRegion, type Io, parseJson, printJson, readInput, UsageError } from './io.js';

const GRANULARITIES = ['vulnerability', 'image', 'both'] as const;

/** Checks a --granularity value. */
export function granularityOf(value: string | undefined): FindingGranularity {
  if (value === undefined) return 'both';
  if ((GRANULARITIES as readonly string[]).includes(value)) return value as FindingGranularity;
  throw new UsageError(
    `--granularity must be one of ${GRANULARITIES.join(', ')}, not ${JSON.stringify(value)}`,
  );
}

/** Options of `ecr-compliance findings`. */
export interface FindingsOptions extends ReportFlags {
  format?: string;
  input?: string;
  granularity?: string;
}

/**
 * `ecr-compliance findings`: a scan in (DescribeImageScanFindings output, or a Trivy or Grype
 * report), ASFF findings JSON out.
 */
export async function findingsCommand(
  io: Io,
  options: FindingsOptions,
  positionals: readonly string[] = [],
): Promise<void> {
  const format = formatOf(options.format);
  const granularity = granularityOf(options.granularity);
  const input = inputOf(options.input, positionals);
  const envRegion = io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (format === 'ecr') {
    refuseFlags(format, options as Record<string, unknown>, [
      'repository',
      'image-digest',
      'account',
      'scanned-at',
    ]);
    const region = options.region ?? envRegion;
    if (!region) throw new UsageError('no region: pass --region R or set AWS_REGION');
    checkRegion(region);
    const { text, source } = await readInput(io, input, 'scan findings');
    printJson(io, toAsffFindings(scannedImageFromEcr(parseJson(text, source), { region }), { granularity }));
    return;
  }
  if (options.region !== undefined) checkRegion(options.region);
  const { text, source } = await readInput(io, input, `${format} report`);
  const image = await scannedImageFromReport(format, parseJson(text, source), options, async () => envRegion);
  printJson(io, toAsffFindings(image, { granularity }));
}

/**
 * The policy text from a raw document, from `aws ecr get-repository-policy` output, or from what
 * `policy block` and `policy unblock` print (`{"changed", "policy"}`, so that the two compose in a
 * pipe); null when that output says the repository has no policy.
 */
function policyTextOf(text: string, source: string): string | null {
  const value = parseJson(text, source);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const policyText = (value as { policyText?: unknown }).policyText;
    if (typeof policyText === 'string') return policyText;
    const printed = value as { changed?: unknown; policy?: unknown };
    if (typeof printed.changed === 'boolean' && 'policy' in printed && Object.keys(printed).length === 2)
      return printed.policy === null ? null : JSON.stringify(printed.policy);
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
