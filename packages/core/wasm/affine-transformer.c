/*
 * The affine transformer of @diffeo/bijectors (Real NVP's and MAF's) with its default 'exp-tanh'
 * scale as one kernel, and its gradient as one more, four float32 elements per step. Per element e
 * of x, its parameters are params[2e] = s and params[2e + 1] = t (the layer's output, interleaved
 * per dimension), and with the bound B
 *
 *   l = B tanh(s / B),  dl/ds = 1 - tanh(s / B)^2
 *   forward (inverse = 0):  y = (x - t) e^-l,  logdet = -l
 *   inverse (inverse = 1):  y = x e^l + t,     logdet = l
 *
 * exp and tanh are float32 (Cephes's expf and tanhf polynomials, a few ulps; the ops they replace
 * are float32 too). No data and no stack: see gemm.c.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

static inline v128_t splat(float v) { return wasm_f32x4_splat(v); }
static inline v128_t add(v128_t a, v128_t b) { return wasm_f32x4_add(a, b); }
static inline v128_t sub(v128_t a, v128_t b) { return wasm_f32x4_sub(a, b); }
static inline v128_t mul(v128_t a, v128_t b) { return wasm_f32x4_mul(a, b); }

/*
 * e^x: x = n ln2 + r with |r| <= ln2 / 2, a degree-7 polynomial in r summed in Estrin's order (a
 * shorter chain of dependent steps than Horner's: this kernel waits on it twice per element), times
 * 2^n as two powers of two (each a normal float for n in [-150, 128], so subnormal results and
 * overflow to infinity come out right). n is rounded by adding 1.5 * 2^23, which leaves it in the
 * low bits of the sum. NaN stays NaN (pmax and pmin keep their first operand when it is NaN).
 */
static inline v128_t exp4(v128_t x) {
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, splat(-104.f)), splat(89.f));
  v128_t shifted = add(mul(x, splat(1.44269504088896341f)), splat(12582912.f));
  v128_t n = sub(shifted, splat(12582912.f));
  v128_t r = sub(sub(x, mul(n, splat(0.693359375f))), mul(n, splat(-2.12194440e-4f)));
  v128_t r2 = mul(r, r), r4 = mul(r2, r2);
  v128_t p01 = add(splat(5.0000001201e-1f), mul(splat(1.6666665459e-1f), r));
  v128_t p23 = add(splat(4.1665795894e-2f), mul(splat(8.3334519073e-3f), r));
  v128_t p45 = add(splat(1.3981999507e-3f), mul(splat(1.9875691500e-4f), r));
  v128_t p = add(add(p01, mul(p23, r2)), mul(p45, r4));
  p = add(add(mul(p, r2), r), splat(1.f));
  v128_t k = wasm_i32x4_sub(shifted, wasm_i32x4_splat(0x4B400000));
  v128_t k1 = wasm_i32x4_shr(k, 1), k2 = wasm_i32x4_sub(k, k1);
  v128_t s1 = wasm_i32x4_shl(wasm_i32x4_add(k1, wasm_i32x4_splat(127)), 23);
  v128_t s2 = wasm_i32x4_shl(wasm_i32x4_add(k2, wasm_i32x4_splat(127)), 23);
  return mul(mul(p, s1), s2);
}

/* tanh: an odd polynomial below |x| = 0.625, else sign(x) (1 - 2 / (e^2|x| + 1)). NaN stays NaN. */
static inline v128_t tanh4(v128_t x) {
  v128_t a = wasm_f32x4_abs(x);
  v128_t far = sub(splat(1.f), wasm_f32x4_div(splat(2.f), add(exp4(add(a, a)), splat(1.f))));
  far = wasm_v128_or(far, wasm_v128_and(x, wasm_i32x4_splat((int)0x80000000))); /* x's sign */
  v128_t z = mul(x, x);
  v128_t p = splat(-5.70498872745e-3f);
  p = add(mul(p, z), splat(2.06390887954e-2f));
  p = add(mul(p, z), splat(-5.37397155531e-2f));
  p = add(mul(p, z), splat(1.33314422036e-1f));
  p = add(mul(p, z), splat(-3.33332819422e-1f));
  v128_t near = add(mul(mul(p, z), x), x);
  return wasm_v128_bitselect(near, far, wasm_f32x4_lt(a, splat(0.625f)));
}

/* Four elements' s and t from their eight interleaved parameters, `count` (1 to 4) of them read. */
static inline void load_params(const float *params, int count, v128_t *s, v128_t *t) {
  v128_t lo, hi;
  if (count == 4) {
    lo = wasm_v128_load(params);
    hi = wasm_v128_load(params + 4);
  } else {
    lo = wasm_f32x4_make(params[0], params[1], count > 1 ? params[2] : 0.f, count > 1 ? params[3] : 0.f);
    hi = wasm_f32x4_make(count > 2 ? params[4] : 0.f, count > 2 ? params[5] : 0.f, 0.f, 0.f);
  }
  *s = wasm_i32x4_shuffle(lo, hi, 0, 2, 4, 6);
  *t = wasm_i32x4_shuffle(lo, hi, 1, 3, 5, 7);
}

static inline v128_t load4(const float *v, int count) {
  if (count == 4) return wasm_v128_load(v);
  return wasm_f32x4_make(v[0], count > 1 ? v[1] : 0.f, count > 2 ? v[2] : 0.f, 0.f);
}

static inline void store4(float *v, v128_t value, int count) {
  if (count == 4) {
    wasm_v128_store(v, value);
    return;
  }
  wasm_v128_store32_lane(v, value, 0);
  if (count > 1) wasm_v128_store32_lane(v + 1, value, 1);
  if (count > 2) wasm_v128_store32_lane(v + 2, value, 2);
}

/* y and logdet of x [n] and params [2n]: see the top. */
EXPORT("affine_transformer")
void affine_transformer(int n, const float *x, const float *params, int inverse, float bound, float *y,
                        float *logdet) {
  v128_t b = splat(bound), inv_b = splat(1.f / bound);
  for (int e = 0; e < n; e += 4) {
    int count = n - e < 4 ? n - e : 4;
    v128_t s, t;
    load_params(params + 2 * e, count, &s, &t);
    v128_t l = mul(b, tanh4(mul(s, inv_b))), xv = load4(x + e, count);
    if (inverse) {
      store4(y + e, add(mul(xv, exp4(l)), t), count);
      store4(logdet + e, l, count);
    } else {
      store4(y + e, mul(sub(xv, t), exp4(wasm_f32x4_neg(l))), count);
      store4(logdet + e, wasm_f32x4_neg(l), count);
    }
  }
}

/* The gradients of sum(dy * y + dlogdet * logdet): dx [n] and dparams [2n] (ds, dt interleaved). */
EXPORT("affine_transformer_grad")
void affine_transformer_grad(int n, const float *x, const float *params, const float *dy, const float *dlogdet,
                             int inverse, float bound, float *dx, float *dparams) {
  v128_t b = splat(bound), inv_b = splat(1.f / bound);
  for (int e = 0; e < n; e += 4) {
    int count = n - e < 4 ? n - e : 4;
    v128_t s, t;
    load_params(params + 2 * e, count, &s, &t);
    v128_t th = tanh4(mul(s, inv_b)), l = mul(b, th);
    v128_t xv = load4(x + e, count), g = load4(dy + e, count), gl = load4(dlogdet + e, count);
    v128_t gx, gt, gls;
    if (inverse) {
      gx = mul(g, exp4(l));
      gt = g;
      gls = add(mul(gx, xv), gl);
    } else {
      gx = mul(g, exp4(wasm_f32x4_neg(l)));
      gt = wasm_f32x4_neg(gx);
      gls = sub(mul(gt, sub(xv, t)), gl);
    }
    v128_t gs = mul(gls, sub(splat(1.f), mul(th, th)));
    store4(dx + e, gx, count);
    v128_t lo = wasm_i32x4_shuffle(gs, gt, 0, 4, 1, 5), hi = wasm_i32x4_shuffle(gs, gt, 2, 6, 3, 7);
    float *to = dparams + 2 * e;
    if (count == 4) {
      wasm_v128_store(to, lo);
      wasm_v128_store(to + 4, hi);
    } else {
      store4(to, lo, count >= 2 ? 4 : 2);
      if (count == 3) store4(to + 4, hi, 2);
    }
  }
}
