import type { AsffFinding } from './AsffFinding.js';
import { utf8Length } from './text.js';

/** BatchImportFindings limits: 100 findings and 6 MB per request. */
export const BATCH_LIMITS = { findings: 100, bytes: 6 * 1024 * 1024 } as const;

/**
 * Splits findings into BatchImportFindings requests of at most 100 findings and 6 MB (the
 * request body's `{"Findings":[...]}` envelope included), keeping their order.
 */
export function toBatches<T extends AsffFinding>(
  findings: readonly T[],
  limits: { readonly findings: number; readonly bytes: number } = BATCH_LIMITS,
): T[][] {
  const envelope = utf8Length('{"Findings":[]}');
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = envelope;
  for (const finding of findings) {
    const size = utf8Length(JSON.stringify(finding)) + 1;
    if (current.length > 0 && (current.length >= limits.findings || bytes + size > limits.bytes)) {
      batches.push(current);
      current = [];
      bytes = envelope;
    }
    current.push(finding);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
