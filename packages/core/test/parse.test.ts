import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { InvalidInputError } from '../src/errors.js';
import { checkWith, parseWith } from '../src/parse.js';

const Report = z.object({
  items: z.array(z.object({ id: z.string(), tags: z.optional(z.nullable(z.array(z.string()))) })),
});

/** The error `run` throws. */
function thrown(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected an error');
}

describe('checkWith', () => {
  it('returns valid data itself, where parseWith returns a copy without the unknown keys', () => {
    const data = { items: [{ id: 'a', tags: ['x'], extra: 1 }], other: true };
    expect(checkWith(Report, data, 'report')).toBe(data);
    expect(parseWith(Report, data, 'report')).toEqual({ items: [{ id: 'a', tags: ['x'] }] });
  });

  it('throws on invalid data the same error as parseWith: message, field path and cause', () => {
    const data = { items: [{ id: 'a' }, { id: 'b', tags: ['x', 7] }] };
    const checked = thrown(() => checkWith(Report, data, 'report'));
    const parsed = thrown(() => parseWith(Report, data, 'report'));
    expect(checked.message).toBe(
      'items[1].tags[1]: Invalid input: expected string, received number (in report)',
    );
    expect(checked.message).toBe(parsed.message);
    expect(checked.path).toBe(parsed.path);
    expect(checked.cause).toBeInstanceOf(z.core.$ZodError);
  });

  it('checks compiled schemas the same way', () => {
    const compiled = z.compile(Report);
    const data = { items: [{ id: 'a' }] };
    expect(checkWith(compiled, data, 'report')).toBe(data);
    expect(thrown(() => checkWith(compiled, { items: [{}] }, 'report')).path).toBe('items[0].id');
  });
});
