/**
 * `zod/mini` installs no locale, so its default messages would be bare "Invalid input". The
 * core's messages (and the tests that assert them) are zod's English defaults, e.g.
 * "Invalid input: expected string, received undefined". Rather than install that locale
 * globally (importing a library must not change the application's zod configuration), every
 * parse in the core passes it per call: `schema.safeParse(data, PARSE_IN_ENGLISH)`.
 * `en` is imported by name (not as `z.locales.en`) so that bundlers drop the other locales.
 */
import { en } from 'zod/locales';

/** Per-call parse options that give zod's English messages without touching zod's global config. */
export const PARSE_IN_ENGLISH = { error: en().localeError } as const;
