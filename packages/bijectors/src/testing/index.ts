/**
 * @diffeo/bijectors/testing: how every Diffeo bijector is tested, for a user's bijector as for
 * ours. `checkBijector` measures the properties; the `assert*` functions of the property suite
 * check them (and leaks, typed errors, the config round trip) and throw an `Error` saying what
 * failed, under any test runner.
 *
 * @packageDocumentation
 */
export { type BijectorReport, checkBijector, logAbsDet } from './check-bijector.js';
export {
  assertBijective,
  assertConfigRoundTrip,
  assertNoLeaks,
  assertTypedErrors,
  perturb,
  type Tolerances,
  tailRows,
} from './property-suite.js';
