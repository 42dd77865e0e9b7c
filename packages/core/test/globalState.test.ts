import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';

describe('importing the core', () => {
  it('leaves zod’s global configuration as the application set it', async () => {
    const before = z.config().localeError;
    const core = await import('@ecr-compliance/core');
    expect(z.config().localeError).toBe(before);
    // …and the core still speaks English in its own errors.
    expect(() => core.parseWith(z.object({ a: z.string() }), {}, 'sample')).toThrow(
      'a: Invalid input: expected string, received undefined (in sample)',
    );
  });
});
