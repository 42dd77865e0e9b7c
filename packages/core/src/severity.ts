/** Severity labels that ASFF accepts, lowest first. */
export const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

/** An ASFF severity label. */
export type SeverityLabel = (typeof SEVERITY_LABELS)[number];

/** ASFF `Severity.Normalized` that Security Hub derives from each label (AWS-FACTS §3.4). */
export const NORMALIZED_SEVERITY: Readonly<Record<SeverityLabel, number>> = {
  INFORMATIONAL: 0,
  LOW: 1,
  MEDIUM: 40,
  HIGH: 70,
  CRITICAL: 90,
};

/** Rank of a label: INFORMATIONAL 0 ... CRITICAL 4. */
export function severityRank(label: SeverityLabel): number {
  return SEVERITY_LABELS.indexOf(label);
}

/** True when `label` is at or above `threshold`. */
export function isAtOrAbove(label: SeverityLabel, threshold: SeverityLabel): boolean {
  return severityRank(label) >= severityRank(threshold);
}

/** The higher of two labels. */
export function maxSeverity(a: SeverityLabel, b: SeverityLabel): SeverityLabel {
  return severityRank(a) >= severityRank(b) ? a : b;
}

/**
 * Maps a scanner's severity word to an ASFF label. ECR's UNDEFINED and Inspector's UNTRIAGED
 * (and anything unknown) become INFORMATIONAL; callers keep the original in `Severity.Original`.
 *
 * @example toSeverityLabel('high') // 'HIGH'
 */
export function toSeverityLabel(raw: string): SeverityLabel {
  const upper = raw.trim().toUpperCase();
  return (SEVERITY_LABELS as readonly string[]).includes(upper) ? (upper as SeverityLabel) : 'INFORMATIONAL';
}
