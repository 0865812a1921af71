// `#digits-table` in browsers and bundles: nothing, so the 156 kB table stays out of the main chunk
// and arrives with `loadDigits()`, which imports it as a separate chunk.

/** No table until `loadDigits()`. */
export const eagerDigitsBase64: string | undefined = undefined;
