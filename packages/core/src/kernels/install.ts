// Imported by the package's entry for this side effect (listed in package.json's sideEffects, so
// bundlers keep it): Diffeo's own kernels are registered as soon as core is imported, the
// replacements of stock kernels once their backend's package is loaded (useBackend runs
// installKernels again then).
import { installKernels } from './kernel-map.js';

installKernels();
