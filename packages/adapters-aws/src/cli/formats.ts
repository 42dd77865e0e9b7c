/**
 * The scan formats the command line reads (`--format ecr|trivy|grype`) and the options that tie a
 * scanner report to an ECR image. The parsing itself is the core's; this module only turns the
 * command line's flags into the core's options and the core's option names back into flags.
 */
import type { ScannedImage } from '@ecr-compliance/core';
import {
  type ReportImageOption,
  type ReportImageOptions,
  ReportOptionError,
  scannedImageFromGrype,
  scannedImageFromTrivy,
} from '@ecr-compliance/core/scanners';
import { UsageError } from './io.js';

/** The formats `--format` accepts; `ecr` is DescribeImageScanFindings. */
export const FORMATS = ['ecr', 'trivy', 'grype'] as const;
/** One of {@link FORMATS}. */
export type Format = (typeof FORMATS)[number];
/** The formats of scanner reports, read from a file or standard input. */
export type ReportFormat = Exclude<Format, 'ecr'>;

/** Checks a --format value; none is `ecr`. */
export function formatOf(value: string | undefined): Format {
  if (value === undefined) return 'ecr';
  if ((FORMATS as readonly string[]).includes(value)) return value as Format;
  throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not ${JSON.stringify(value)}`);
}

/** The flag of each of the core's report options. */
export const REPORT_FLAGS: Readonly<Record<ReportImageOption, string>> = {
  repositoryName: '--repository',
  imageDigest: '--image-digest',
  accountId: '--account',
  region: '--region',
  scannedAt: '--scanned-at',
};

/** The report flags as parseArgs reads them. */
export interface ReportFlags {
  repository?: string;
  'image-digest'?: string;
  account?: string;
  region?: string;
  'scanned-at'?: string;
}

/** Refuses flags that `format` does not use, naming the first one. */
export function refuseFlags(format: Format, flags: Record<string, unknown>, names: readonly string[]): void {
  const given = names.find((name) => flags[name] !== undefined);
  if (given === undefined) return;
  const applies = format === 'ecr' ? 'to --format trivy and grype' : 'to --format ecr';
  throw new UsageError(`--${given} applies ${applies} only`);
}

/** The one input file: `--input FILE`, or one positional argument (`-` is standard input). */
export function inputOf(input: string | undefined, positionals: readonly string[]): string | undefined {
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
  if (input !== undefined && positionals.length > 0)
    throw new UsageError('give the input once: --input FILE or a FILE argument, not both');
  return input ?? positionals[0];
}

const PARSERS: Record<ReportFormat, (report: unknown, options: ReportImageOptions) => ScannedImage> = {
  trivy: scannedImageFromTrivy,
  grype: scannedImageFromGrype,
};

/**
 * Parses a scanner report with the flags as options. When the report names no Region and
 * `--region` is not given, `fallbackRegion` (the environment's or the SDK's) is used. A report
 * that needs an option is a usage error that names the flags to pass.
 */
export async function scannedImageFromReport(
  format: ReportFormat,
  report: unknown,
  flags: ReportFlags,
  fallbackRegion: () => Promise<string | undefined>,
): Promise<ScannedImage> {
  const options: ReportImageOptions = {
    ...(flags.repository !== undefined ? { repositoryName: flags.repository } : {}),
    ...(flags['image-digest'] !== undefined ? { imageDigest: flags['image-digest'] } : {}),
    ...(flags.account !== undefined ? { accountId: flags.account } : {}),
    ...(flags.region !== undefined ? { region: flags.region } : {}),
    ...(flags['scanned-at'] !== undefined ? { scannedAt: flags['scanned-at'] } : {}),
  };
  const parse = PARSERS[format];
  try {
    try {
      return parse(report, options);
    } catch (error) {
      // Only the Region is missing: the configured one will do.
      if (error instanceof ReportOptionError && error.options.join() === 'region' && !options.region) {
        const region = await fallbackRegion();
        if (region) return parse(report, { ...options, region });
      }
      throw error;
    }
  } catch (error) {
    if (!(error instanceof ReportOptionError)) throw error;
    const flagsToPass = error.options.map((o) => REPORT_FLAGS[o]);
    const option = /^\(option (\w+)\)$/.exec(error.path)?.[1] as ReportImageOption | undefined;
    if (option) throw new UsageError(`${REPORT_FLAGS[option]}: ${error.reason}`);
    throw new UsageError(`${error.path}: ${error.reason}; pass ${flagsToPass.join(', ')}`);
  }
}
