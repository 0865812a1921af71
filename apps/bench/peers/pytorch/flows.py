"""Plain-PyTorch twins of the architectures the bench measures (apps/bench/src/models.ts): the same
layers, widths, parameter counts and initialisation style as Diffeo's builders in
@diffeo/distributions, written the way nflows builds them (masks multiplied into the MADE weights on
every call, `dim` MADE passes to sample an autoregressive layer).

Directions follow Diffeo: a layer maps data to latent (`to_latent`, the density direction) and
latent to data (`to_data`, sampling). A flow's layers are listed from the latent side, as Diffeo's
chain: sampling runs them in order, the density in reverse.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from spline import MIN_DERIVATIVE, rational_quadratic_spline

# The small uniform limit of the last layer of every residual block (nflows's near-zero start).
SMALL_INIT = 1e-3


def _uniform(tensor, limit, generator):
    with torch.no_grad():
        if limit == 0:
            tensor.zero_()
        else:
            tensor.uniform_(-limit, limit, generator=generator)


def _init_linear(layer, init, generator, glorot=False):
    """'default': weights U(+-1/sqrt(fan_in)) as nn.Linear (or Glorot-uniform with `glorot`), biases
    U(+-1/sqrt(fan_in)); 'small': both U(+-1e-3); 'zero': both 0."""
    fan_out, fan_in = layer.weight.shape
    if init == "small":
        _uniform(layer.weight, SMALL_INIT, generator)
        _uniform(layer.bias, SMALL_INIT, generator)
    elif init == "zero":
        _uniform(layer.weight, 0, generator)
        _uniform(layer.bias, 0, generator)
    else:
        limit = math.sqrt(6 / (fan_in + fan_out)) if glorot else 1 / math.sqrt(fan_in)
        _uniform(layer.weight, limit, generator)
        _uniform(layer.bias, 1 / math.sqrt(fan_in), generator)


class MaskedLinear(nn.Linear):
    """A linear layer whose weight is multiplied by a constant 0/1 mask on every call."""

    def __init__(self, in_degrees, out_degrees, strict, init, generator):
        super().__init__(len(in_degrees), len(out_degrees))
        if strict:
            mask = out_degrees[:, None] > in_degrees[None, :]
        else:
            mask = out_degrees[:, None] >= in_degrees[None, :]
        self.register_buffer("mask", mask.to(torch.float32))
        _init_linear(self, init, generator)
        with torch.no_grad():
            self.weight.mul_(self.mask)

    def forward(self, x):
        return F.linear(x, self.weight * self.mask, self.bias)


class MADE(nn.Module):
    """nflows's MADE with masked residual blocks: input i has degree i + 1, hidden units the
    sequential degrees 1 + j mod (D - 1), outputs of input i (each input's `multiplier` values
    contiguous) see hidden units of lower degree; pre-activation residual blocks."""

    def __init__(self, dim, hidden, multiplier, num_blocks, zero_output, generator):
        super().__init__()
        inputs = torch.arange(1, dim + 1)
        period = max(1, dim - 1)
        hidden_degrees = torch.arange(hidden) % period + min(1, dim - 1)
        outputs = inputs.repeat_interleave(multiplier)
        self.initial = MaskedLinear(inputs, hidden_degrees, False, "default", generator)
        self.blocks = nn.ModuleList()
        for _ in range(num_blocks):
            first = MaskedLinear(hidden_degrees, hidden_degrees, False, "default", generator)
            second = MaskedLinear(hidden_degrees, hidden_degrees, False, "small", generator)
            self.blocks.append(nn.ModuleList([first, second]))
        self.final = MaskedLinear(
            hidden_degrees, outputs, True, "zero" if zero_output else "default", generator
        )

    def forward(self, x):
        h = self.initial(x)
        for first, second in self.blocks:
            h = h + second(F.relu(first(F.relu(h))))
        return self.final(h)


class ResidualNet(nn.Module):
    """Diffeo's ResidualNet (nflows's style): Glorot-uniform weights, pre-activation blocks whose
    second layer starts at U(+-1e-3), the final layer at zero for an identity start."""

    def __init__(self, in_features, out_features, hidden, num_blocks, zero_output, generator):
        super().__init__()
        self.initial = nn.Linear(in_features, hidden)
        _init_linear(self.initial, "default", generator, glorot=True)
        self.blocks = nn.ModuleList()
        for _ in range(num_blocks):
            first = nn.Linear(hidden, hidden)
            second = nn.Linear(hidden, hidden)
            _init_linear(first, "default", generator, glorot=True)
            _init_linear(second, "small", generator)
            self.blocks.append(nn.ModuleList([first, second]))
        self.final = nn.Linear(hidden, out_features)
        _init_linear(self.final, "zero" if zero_output else "default", generator, glorot=True)

    def forward(self, x):
        h = self.initial(x)
        for first, second in self.blocks:
            h = h + second(F.relu(first(F.relu(h))))
        return self.final(h)


class AffineTransformer:
    """u = x exp(log_scale) + shift with log_scale = B tanh(s / B) (Diffeo's 'exp-tanh' scale, B = 3):
    exactly the identity at zero parameters."""

    params_per_dim = 2
    log_scale_bound = 3.0

    def _split(self, x, params):
        p = params.reshape(x.shape[0], x.shape[1], 2)
        bound = self.log_scale_bound
        return bound * torch.tanh(p[..., 0] / bound), p[..., 1]

    def to_latent(self, x, params, hidden):
        log_scale, shift = self._split(x, params)
        return x * torch.exp(log_scale) + shift, log_scale

    def to_data(self, u, params, hidden):
        log_scale, shift = self._split(u, params)
        return (u - shift) * torch.exp(-log_scale), -log_scale


class SplineTransformer:
    """The rational-quadratic spline with Diffeo's parameterisation: 3K - 1 values per dimension
    (widths, heights, interior derivatives), widths and heights divided by sqrt(hidden) as nflows,
    and a constant added to the derivatives so that zero parameters are the identity."""

    def __init__(self, num_bins, tail_bound):
        self.num_bins = num_bins
        self.tail_bound = tail_bound
        self.params_per_dim = 3 * num_bins - 1
        self.derivative_offset = math.log(math.expm1(1 - MIN_DERIVATIVE))

    def _spline(self, x, params, hidden, inverse):
        k = self.num_bins
        p = params.reshape(x.shape[0], x.shape[1], self.params_per_dim)
        scale = 1 / math.sqrt(hidden)
        return rational_quadratic_spline(
            x,
            p[..., :k] * scale,
            p[..., k : 2 * k] * scale,
            p[..., 2 * k :] + self.derivative_offset,
            inverse=inverse,
            tail_bound=self.tail_bound,
        )

    def to_latent(self, x, params, hidden):
        return self._spline(x, params, hidden, False)

    def to_data(self, u, params, hidden):
        return self._spline(u, params, hidden, True)


class MaskedAutoregressive(nn.Module):
    """A MADE-conditioned layer: one MADE pass to the latent side, `dim` passes back (nflows)."""

    def __init__(self, dim, hidden, num_blocks, transformer, generator):
        super().__init__()
        self.dim = dim
        self.hidden = hidden
        self.transformer = transformer
        self.made = MADE(dim, hidden, transformer.params_per_dim, num_blocks, True, generator)

    def to_latent(self, x):
        y, log_det = self.transformer.to_latent(x, self.made(x), self.hidden)
        return y, log_det.sum(dim=1)

    def to_data(self, u):
        x = torch.zeros_like(u)
        for _ in range(self.dim):
            x, _ = self.transformer.to_data(u, self.made(x), self.hidden)
        return x


class AffineCoupling(nn.Module):
    """Real NVP's affine coupling with a 'half' mask: the first floor(D/2) dimensions pass through
    and condition the affine map of the others."""

    def __init__(self, dim, hidden, num_blocks, generator):
        super().__init__()
        self.split = dim // 2
        self.hidden = hidden
        self.transformer = AffineTransformer()
        self.net = ResidualNet(self.split, (dim - self.split) * 2, hidden, num_blocks, True, generator)

    def _couple(self, x, direction):
        passed, changed = x[:, : self.split], x[:, self.split :]
        params = self.net(passed)
        y, log_det = getattr(self.transformer, direction)(changed, params, self.hidden)
        return torch.cat([passed, y], dim=1), log_det.sum(dim=1)

    def to_latent(self, x):
        return self._couple(x, "to_latent")

    def to_data(self, u):
        return self._couple(u, "to_data")[0]


class ReversePermutation(nn.Module):
    def to_latent(self, x):
        return x.flip(1), 0.0

    def to_data(self, u):
        return u.flip(1)


class Flow(nn.Module):
    """A standard normal base and a chain of layers listed from the latent side, with reverse
    permutations between them."""

    def __init__(self, dim, layers):
        super().__init__()
        self.dim = dim
        chain = []
        for i, layer in enumerate(layers):
            chain.append(layer)
            if i < len(layers) - 1:
                chain.append(ReversePermutation())
        self.chain = nn.ModuleList(chain)

    def log_prob(self, x):
        log_det = 0.0
        for layer in reversed(self.chain):
            x, ld = layer.to_latent(x)
            log_det = log_det + ld
        base = -0.5 * (x * x).sum(dim=1) - 0.5 * self.dim * math.log(2 * math.pi)
        return base + log_det

    def sample(self, n, generator):
        u = torch.randn(n, self.dim, generator=generator)
        for layer in self.chain:
            u = layer.to_data(u)
        return u


def _generator(seed):
    return torch.Generator().manual_seed(seed)


def nsf(dim, seed, num_transforms, hidden, num_blocks, num_bins, tail_bound):
    """Diffeo's `nsf` (autoregressive; the flows-for-flows preset is 4 layers, hidden 128, 2 blocks,
    8 bins, tail bound 4)."""
    layers = [
        MaskedAutoregressive(dim, hidden, num_blocks, SplineTransformer(num_bins, tail_bound), _generator(seed + i))
        for i in range(num_transforms)
    ]
    return Flow(dim, layers)


def maf(dim, seed, num_transforms, hidden, num_blocks):
    """Diffeo's `maf`: masked affine autoregressive layers ('exp-tanh' scale)."""
    layers = [
        MaskedAutoregressive(dim, hidden, num_blocks, AffineTransformer(), _generator(seed + i))
        for i in range(num_transforms)
    ]
    return Flow(dim, layers)


def real_nvp(dim, seed, num_transforms, hidden, num_blocks):
    """Diffeo's `realNVP`: affine couplings with residual conditioners."""
    layers = [AffineCoupling(dim, hidden, num_blocks, _generator(seed + i)) for i in range(num_transforms)]
    return Flow(dim, layers)


def build(spec, seed):
    """The flow of an architecture spec as the bench sends it (`PeerArchSpec` in
    apps/bench/src/models.ts): {"type": "nsf" | "maf" | "realnvp", "dim", and the builder's options
    named as Diffeo names them}, or a mixture of flows (mixture.py)."""
    if spec["type"] == "mixture":
        from mixture import build_mixture  # its components are this module's flows

        return build_mixture(spec, seed)
    options = {k: v for k, v in spec.items() if k not in ("type", "dim")}
    builders = {"nsf": nsf, "maf": maf, "realnvp": real_nvp}
    kind = spec["type"]
    if kind not in builders:
        raise ValueError(f"unknown architecture type {kind!r}, expected one of {', '.join(builders)}")
    renamed = {
        "numTransforms": "num_transforms",
        "hiddenFeatures": "hidden",
        "numBlocks": "num_blocks",
        "numBins": "num_bins",
        "tailBound": "tail_bound",
    }
    return builders[kind](spec["dim"], seed, **{renamed[k]: v for k, v in options.items()})


# The uniform limit of the weights `trained_like` gives an all-zero weight matrix (the bench's
# TRAINED_LIKE_LIMIT in src/models.ts).
TRAINED_LIKE_LIMIT = 1e-3


def trained_like(model, seed):
    """The bench's `buildTrainedLike`: every all-zero weight matrix (the last layer of each
    conditioner, zero so that a flow starts as the identity) gets U(+-TRAINED_LIKE_LIMIT) values,
    as training gives it. logProb and sampling are measured on such a model: PyTorch's dense
    products take the same time whatever the values, Diffeo's skip zero blocks, so a fresh model
    would time work that a trained one cannot skip on one side and not the other."""
    generator = _generator(seed)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2 and not torch.any(p):
                p.uniform_(-TRAINED_LIKE_LIMIT, TRAINED_LIKE_LIMIT, generator=generator)
    return model


def parameter_count(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
