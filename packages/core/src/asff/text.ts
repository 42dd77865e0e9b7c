/** Marker appended to any text this project shortens. */
export const TRUNCATION_MARKER = ' [truncated]';

/**
 * Shortens `text` to at most `max` characters, cutting at a word boundary when one is near and
 * saying that it did. Never splits a UTF-16 surrogate pair.
 *
 * @example truncate('The quick brown fox jumps', 20) // 'The [truncated]'
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - TRUNCATION_MARKER.length;
  if (cut <= 0) return text.slice(0, max);
  const space = text.lastIndexOf(' ', cut);
  if (space > cut - 40 && space > 0) cut = space;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut).trimEnd()}${TRUNCATION_MARKER}`;
}

/** `text` trimmed when it has a non-blank character, otherwise `fallback`. */
export function orElse(text: string | undefined, fallback: string): string {
  const trimmed = text?.trim();
  return trimmed ? trimmed : fallback;
}

/** Number of bytes of `text` in UTF-8, without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * An upper bound of `utf8Length(JSON.stringify(value))` for plain data, found without
 * serializing: every UTF-16 unit of a string or key counts as 6 bytes (its longest JSON escape,
 * `\uXXXX`), every number as 24 (the longest a double prints). It lets a caller skip serializing
 * values that are certainly small; anything it cannot bound (`toJSON`, bigint, ...) is `Infinity`.
 */
export function jsonBytesUpperBound(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return 2 + 6 * value.length;
    case 'number':
    case 'boolean':
    case 'undefined':
      return 24;
    case 'object': {
      if (value === null) return 4;
      if (Array.isArray(value)) {
        let bytes = 2;
        for (const item of value) bytes += jsonBytesUpperBound(item) + 1;
        return bytes;
      }
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return Number.POSITIVE_INFINITY;
      let bytes = 2;
      for (const key in value) {
        bytes += 4 + 6 * key.length + jsonBytesUpperBound((value as Record<string, unknown>)[key]);
      }
      return bytes;
    }
    default:
      return Number.POSITIVE_INFINITY;
  }
}

/**
 * A 128-bit hex digest of `text` (two independent 64-bit FNV-1a lanes). Pure and deterministic;
 * used only to keep over-long identifiers unique and stable, not for security.
 */
export function stableHash(text: string): string {
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  let a = 0xcbf29ce484222325n;
  let b = 0x84222325cbf29ce4n;
  for (let i = 0; i < text.length; i++) {
    const c = BigInt(text.charCodeAt(i));
    a = ((a ^ c) * prime) & mask;
    b = ((b ^ (c + 0x9en)) * prime) & mask;
    b = (b ^ (b >> 29n)) & mask;
  }
  return a.toString(16).padStart(16, '0') + b.toString(16).padStart(16, '0');
}
