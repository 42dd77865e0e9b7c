/**
 * `zod/mini` installs no locale, so its default messages would be bare "Invalid input". The
 * core's messages (and the tests that assert them) are zod's English defaults, e.g.
 * "Invalid input: expected string, received undefined": install that locale once, from every
 * module that builds or runs schemas. Idempotent; no I/O. `en` is imported by name (not as
 * `z.locales.en`) so that bundlers drop the other locales.
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());
