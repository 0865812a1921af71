import { luLinearPlugin } from './lu-linear.js';
import { permutationPlugin } from './permutation.js';

export { LULinear, type LULinearConfig, luLinearPlugin, unitTriangularInverse } from './lu-linear.js';
export {
  Permutation,
  type PermutationConfig,
  type PermutationSpec,
  permutationPlugin,
  resolvePermutation,
} from './permutation.js';

/** The linear bijector plugins. */
export const linearPlugins = [luLinearPlugin, permutationPlugin];
