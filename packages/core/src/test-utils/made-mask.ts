/** A MADE's mask (as @diffeo/bijectors builds it), row-major: output unit j sees input i when its degree allows. */
export function madeMask(inDegrees: number[], outDegrees: number[], strict: boolean): number[] {
  return inDegrees.flatMap((d) => outDegrees.map((e) => ((strict ? e > d : e >= d) ? 1 : 0)));
}
