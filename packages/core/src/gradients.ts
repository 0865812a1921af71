// Registers the gradients of every tfjs-core op (tfjs-core alone registers none).
// In plain Node this file is replaced by dist/gradients.node.js, a bundle of the same module made by
// scripts/bundle-gradients.mjs, because tfjs-core's ESM files use extensionless imports that Node's
// ESM loader rejects. Bundlers and vitest load this file as it is.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
