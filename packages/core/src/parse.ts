import type * as z from 'zod/mini';
import { InvalidInputError } from './errors.js';
import { PARSE_IN_ENGLISH } from './zodLocale.js';

/** Formats a zod issue path as `a.b[3].c`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/**
 * Parses `data` with `schema`; on failure throws an {@link InvalidInputError} that names the
 * first offending field path, prefixed by `what` (e.g. "scan findings").
 */
export function parseWith<S extends z.ZodMiniType>(schema: S, data: unknown, what: string): z.output<S> {
  const result = schema.safeParse(data, PARSE_IN_ENGLISH);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue ? formatPath(issue.path) : '';
  const message = issue ? issue.message : 'invalid';
  throw new InvalidInputError(`${message} (in ${what})`, path || '(root)', { cause: result.error });
}
