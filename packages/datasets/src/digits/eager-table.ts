// `#digits-table` in Node: the table is part of the module graph, so `Digits` samples without
// `loadDigits()` there (a server or a script has no bundle size to save).
import { DIGITS_BASE64 } from './digits-data.gen.js';

/** The digits table as base64, present from the start. */
export const eagerDigitsBase64: string | undefined = DIGITS_BASE64;
