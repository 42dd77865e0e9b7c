import * as z from 'zod/mini';
import { InvalidInputError } from './errors.js';
import { PARSE_IN_ENGLISH } from './zodLocale.js';

/**
 * `schema`, compiled with `z.compile` on the first call. zod/mini's objects have no JIT fast path
 * (classic zod's do): a compiled schema parses large valid inputs several times faster, and an
 * invalid one falls back to the regular parser, so the issues are the same. On first use rather
 * than at module load, which would cost every cold start about 10 ms per schema, also in a
 * handler that never uses it.
 */
export function compiledOnFirstUse<S extends z.ZodMiniType>(schema: S): () => S {
  let compiled: S | undefined;
  return () => {
    compiled ??= z.compile(schema) as S;
    return compiled;
  };
}

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
