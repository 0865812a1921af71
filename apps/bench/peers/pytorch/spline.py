"""The monotone rational-quadratic spline with linear tails (Durkan et al. 2019, "Neural Spline
Flows", arXiv:1906.04032) in plain PyTorch, with the conventions of Diffeo's
`rationalQuadraticSpline` (packages/bijectors/src/spline/rational-quadratic.ts): K bins on
[-B, B] in x and y, bin sizes softmax(u) floored at a minimum, interior knot derivatives
min + softplus(u), edge derivatives exactly 1 so the identity tails join smoothly.

The spline runs on whole tensors: inputs are clamped into [-B, B], every element goes through the
spline, and `torch.where` keeps the identity outside (no boolean-mask indexing or scatter). The bin
comes from `torch.searchsorted` on the interior knots and one gather per knot array picks both ends
of the bin.
"""

import torch
import torch.nn.functional as F

MIN_BIN_WIDTH = 1e-3
MIN_BIN_HEIGHT = 1e-3
MIN_DERIVATIVE = 1e-3


def _knots(unnormalized, min_bin, bound):
    """The interior knots (contiguous, for the bin search) and all K + 1 knots of one axis, from
    exactly -B to exactly B."""
    num_bins = unnormalized.shape[-1]
    fractions = min_bin + (1 - min_bin * num_bins) * F.softmax(unnormalized, dim=-1)
    interior = torch.cumsum(fractions[..., :-1], dim=-1) * (2 * bound) - bound
    edges = torch.full_like(interior[..., :1], bound)
    return interior, torch.cat([-edges, interior, edges], dim=-1)


def _bin_ends(values, index):
    """values[..., k] and values[..., k + 1] for index [..., 1] holding k."""
    both = values.gather(-1, torch.cat([index, index + 1], dim=-1))
    return both[..., 0], both[..., 1]


def _spline(x, uw, uh, ud, inverse, bound, min_w, min_h, min_d):
    """The spline on x [batch, dim] known to lie in [-B, B], parameters [batch, dim, K] / [.., K-1]."""
    x_interior, xs = _knots(uw, min_w, bound)
    y_interior, ys = _knots(uh, min_h, bound)
    derivatives = F.pad(min_d + F.softplus(ud), (1, 1), value=1.0)

    # The bin: how many interior knots of the axis the input is on or past.
    k = torch.searchsorted(y_interior if inverse else x_interior, x.unsqueeze(-1), right=True)
    x_k, x_k1 = _bin_ends(xs, k)
    y_k, y_k1 = _bin_ends(ys, k)
    d_k, d_k1 = _bin_ends(derivatives, k)
    w_k = x_k1 - x_k
    h_k = y_k1 - y_k
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
    # Clamped, the spline is finite everywhere, so the discarded branch has zero (not NaN) gradients.
    y, log_det = _spline(
        x.clamp(-tail_bound, tail_bound),
        unnormalized_widths,
        unnormalized_heights,
        unnormalized_derivatives,
        inverse,
        tail_bound,
        min_bin_width,
        min_bin_height,
        min_derivative,
    )
    return torch.where(inside, y, x), log_det.masked_fill(~inside, 0.0)
