/** ProductFields keys of this project, and the compacting that Security Hub's validator needs. */
import { PRODUCT_PREFIX } from './identity.js';

/** The ProductFields key `ecr-compliance/<name>`. */
export const field = (name: string): string => `${PRODUCT_PREFIX}/${name}`;

/** `value` without undefined values, blank strings and empty arrays, which Security Hub rejects. */
export function compact<T extends object>(value: { [K in keyof T]?: T[K] | undefined }): T {
  const out: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  // for...in, not Object.keys or entries: the same keys in the same order for the literals the
  // mapping passes, without an array per call (five calls per finding).
  for (const k in source) {
    const v = source[k];
    if (v === undefined || (typeof v === 'string' && !/\S/.test(v))) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out as T;
}
