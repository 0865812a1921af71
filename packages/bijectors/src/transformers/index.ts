export {
  type AffineScale,
  type AffineTransformerOptions,
  affine,
  affineTransformerFields,
  affineTransformerSchema,
  checkAffineIdentity,
} from './affine.js';
export {
  checkBinMinimums,
  type RationalQuadraticFields,
  type RationalQuadraticTransformerOptions,
  rationalQuadratic,
  rationalQuadraticTransformerFields,
  rationalQuadraticTransformerSchema,
} from './rational-quadratic.js';
export type { Transformer, TransformerContext, TransformerOutput } from './transformer.js';
