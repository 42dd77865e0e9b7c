import type { CustomActionReference } from '../config.js';
import type { Vulnerability } from '../model.js';
import type { SeverityLabel } from '../severity.js';
import { maxSeverity, SEVERITY_LABELS, severityRank } from '../severity.js';
import type { AsffFinding, AsffResource } from './AsffFinding.js';
import { LIMITS } from './constraints.js';
import { field } from './fields.js';
import { imageFindingId, imageGeneratorId, partitionOf, repositoryArn } from './identity.js';
import { baseFields, type ImageContext, severityOf, tagsOf } from './imageContext.js';
import { truncate } from './text.js';
import { imageRecommendation, imageReference, imageTitle } from './wording.js';

/**
 * The image-level finding: counts by severity, the highest severity and its advisories, the image
 * and repository resources, and what to do.
 */
export function imageFinding(
  context: ImageContext,
  blockAction: CustomActionReference | undefined,
  exceptionFor?: (vulnerability: Vulnerability) => string | undefined,
): AsffFinding {
  const { image: scanned } = context;
  // Excepted vulnerabilities are counted apart: the image finding's severity is that of the others.
  const exceptedIds: string[] = [];
  const image = exceptionFor
    ? {
        ...scanned,
        vulnerabilities: scanned.vulnerabilities.filter((v) => {
          const excepted = exceptionFor(v) !== undefined;
          if (excepted) exceptedIds.push(v.id);
          return !excepted;
        }),
      }
    : scanned;
  const counts = Object.fromEntries(SEVERITY_LABELS.map((l) => [l, 0])) as Record<SeverityLabel, number>;
  let highest: SeverityLabel | undefined;
  for (const v of image.vulnerabilities) {
    counts[v.severity] += 1;
    highest = highest ? maxSeverity(highest, v.severity) : v.severity;
  }
  const total = image.vulnerabilities.length;
  const label = highest ?? 'INFORMATIONAL';
  const breakdown = [...SEVERITY_LABELS]
    .reverse()
    .map((l) => `${counts[l]} ${l.toLowerCase()}`)
    .join(', ');
  const worst = highest
    ? image.vulnerabilities
        .filter((v) => severityRank(v.severity) === severityRank(highest))
        .map((v) => v.id)
        .slice(0, 10)
    : [];
  const ref = imageReference(image);
  const tags = tagsOf(image).length > 0 ? ` (tags: ${tagsOf(image).join(', ')})` : ' (untagged)';
  const apart =
    exceptedIds.length > 0
      ? ` ${exceptedIds.length} more ${exceptedIds.length === 1 ? 'is' : 'are'} excepted (accepted until an end date): ${exceptedIds.slice(0, 10).join(', ')}${exceptedIds.length > 10 ? ', ...' : ''}.`
      : '';
  const description =
    (total === 0
      ? `${image.scanner.name} found no vulnerabilities in image ${ref}${tags}.`
      : `${image.scanner.name} found ${total} distinct ${total === 1 ? 'vulnerability' : 'vulnerabilities'} in image ${ref}${tags}: ${breakdown}. Highest severity ${label}: ${worst.join(', ')}${worst.length < counts[label] ? ', ...' : ''}.`) +
    apart;
  const fields = baseFields(image, 'image');
  for (const l of SEVERITY_LABELS) fields[field(`Count/${l}`)] = String(counts[l]);
  fields[field('Count/TOTAL')] = String(total);
  if (image.suppressedCount !== undefined) fields[field('Count/SUPPRESSED')] = String(image.suppressedCount);
  if (exceptionFor) fields[field('Count/EXCEPTED')] = String(exceptedIds.length);
  const severity = severityOf(label, highest ? label : 'NONE');
  const repository: AsffResource = {
    Type: 'AwsEcrRepository',
    Id: repositoryArn(image.region, image.accountId, image.repositoryName),
    Partition: partitionOf(image.region),
    Region: image.region,
    Details: {
      AwsEcrRepository: {
        RepositoryName: image.repositoryName,
        Arn: repositoryArn(image.region, image.accountId, image.repositoryName),
      },
    },
  };
  return {
    ...context.common,
    Id: imageFindingId(image),
    GeneratorId: imageGeneratorId(image.scanner.id),
    FirstObservedAt: image.scanCompletedAt,
    CreatedAt: image.scanCompletedAt,
    Severity: severity,
    Title: truncate(imageTitle(image, { total, critical: counts.CRITICAL, high: counts.HIGH }), LIMITS.title),
    Description: truncate(description, LIMITS.description),
    Remediation: {
      Recommendation: {
        Text: truncate(imageRecommendation(total, blockAction), LIMITS.recommendationText),
      },
    },
    ProductFields: fields,
    Resources: [...context.resources, repository],
    FindingProviderFields: { Severity: severity, Types: context.common.Types },
  };
}
