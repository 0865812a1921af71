"""The monotone rational-quadratic spline with linear tails (Durkan et al. 2019, "Neural Spline
Flows", arXiv:1906.04032) in plain PyTorch, with the conventions of Diffeo's
`rationalQuadraticSpline` (packages/bijectors/src/spline/rational-quadratic.ts): K bins on
[-B, B] in x and y, bin sizes softmax(u) floored at a minimum, interior knot derivatives
min + softplus(u), edge derivatives exactly 1 so the identity tails join smoothly.

Written the way a PyTorch user writes it: the spline runs on the elements inside [-B, B] only
(boolean-mask indexing), the bin is found by counting the interior knots at or below the input, and
the knot values of that bin are gathered.
"""

import torch
import torch.nn.functional as F

MIN_BIN_WIDTH = 1e-3
MIN_BIN_HEIGHT = 1e-3
MIN_DERIVATIVE = 1e-3


def _knots(unnormalized, min_bin, bound):
    """All K + 1 knots of one axis, from exactly -B to exactly B."""
    num_bins = unnormalized.shape[-1]
    fractions = min_bin + (1 - min_bin * num_bins) * F.softmax(unnormalized, dim=-1)
    interior = torch.cumsum(fractions[..., :-1], dim=-1) * (2 * bound) - bound
    edge = torch.full_like(interior[..., :1], bound)
    return torch.cat([-edge, interior, edge], dim=-1)


def _pick(values, index):
    return values.gather(-1, index.unsqueeze(-1)).squeeze(-1)


def _spline_inside(x, uw, uh, ud, inverse, bound, min_w, min_h, min_d):
    """The spline on elements known to lie in [-B, B]; x is 1-D, the parameters [n, K] / [n, K-1]."""
    xs = _knots(uw, min_w, bound)
    ys = _knots(uh, min_h, bound)
    ones = torch.ones_like(ud[..., :1])
    derivatives = torch.cat([ones, min_d + F.softplus(ud), ones], dim=-1)

    # The bin: how many interior knots of the axis the input is on or past.
    knots = ys if inverse else xs
    k = (x.unsqueeze(-1) >= knots[..., 1:-1]).sum(dim=-1)
    x_k = _pick(xs, k)
    w_k = _pick(xs, k + 1) - x_k
    y_k = _pick(ys, k)
    h_k = _pick(ys, k + 1) - y_k
    d_k = _pick(derivatives, k)
    d_k1 = _pick(derivatives, k + 1)
    s = h_k / w_k
    curvature = d_k + d_k1 - 2 * s

    if inverse:
        # Solve y = y_k + h (s t^2 + d_k t (1-t)) / (s + curvature t (1-t)) for t: a t^2 + b t + c = 0
        # (eqs. 6-8), the root in [0, 1] taken in its stable form 2c / (-b - sqrt(b^2 - 4ac)).
        dy = x - y_k
        a = h_k * (s - d_k) + dy * curvature
        b = h_k * d_k - dy * curvature
        c = -s * dy
        discriminant = torch.clamp(b * b - 4 * a * c, min=0)
        t = (2 * c) / (-b - torch.sqrt(discriminant))
        y = t * w_k + x_k
    else:
        t = (x - x_k) / w_k
    t_1mt = t * (1 - t)
    denominator = s + curvature * t_1mt
    if not inverse:
        y = y_k + h_k * (s * t * t + d_k * t_1mt) / denominator
    # log dy/dx of the forward map (eq. 5), negated for the inverse.
    numerator = s * s * (d_k1 * t * t + 2 * s * t_1mt + d_k * (1 - t) * (1 - t))
    log_derivative = torch.log(numerator) - 2 * torch.log(denominator)
    return y, (-log_derivative if inverse else log_derivative)


def rational_quadratic_spline(
    x,
    unnormalized_widths,
    unnormalized_heights,
    unnormalized_derivatives,
    inverse=False,
    tail_bound=1.0,
    min_bin_width=MIN_BIN_WIDTH,
    min_bin_height=MIN_BIN_HEIGHT,
    min_derivative=MIN_DERIVATIVE,
):
    """Elementwise spline of x [batch, dim] with parameters [batch, dim, K] (widths, heights) and
    [batch, dim, K - 1] (interior derivatives). Returns y and log|dy/dx|, both [batch, dim]; outside
    [-B, B] the map is the identity (log-derivative 0)."""
    inside = (x >= -tail_bound) & (x <= tail_bound)
    y = torch.where(inside, torch.zeros_like(x), x)
    log_det = torch.zeros_like(x)
    if bool(inside.any()):
        y_in, log_det_in = _spline_inside(
            x[inside],
            unnormalized_widths[inside],
            unnormalized_heights[inside],
            unnormalized_derivatives[inside],
            inverse,
            tail_bound,
            min_bin_width,
            min_bin_height,
            min_derivative,
        )
        y = y.masked_scatter(inside, y_in)
        log_det = log_det.masked_scatter(inside, log_det_in)
    return y, log_det
