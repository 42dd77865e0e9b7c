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

/**
 * Checks `data` against `schema` and returns `data` itself, not a copy: for large reports the
 * copy a parse builds (and the garbage it leaves) costs more than the check. Only for schemas
 * without transforms, defaults or catch-alls, whose output is their input with unknown keys
 * dropped; the caller must then read only the keys the schema names. On failure it throws the
 * very {@link InvalidInputError} that {@link parseWith} throws (same first issue, same path).
 */
export function checkWith<S extends z.ZodMiniType>(schema: S, data: unknown, what: string): z.output<S> {
  if (z.validate(schema, data)) return data as z.output<S>;
  return parseWith(schema, data, what);
}
