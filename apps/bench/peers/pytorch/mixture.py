"""The twin of @diffeo/mixtures' MixtureOfFlows as the bench measures it (`buildMixture` in
apps/bench/src/mixture-model.ts): K flows p(x|z) of flows.py, the uniform prior p(z) = 1/K and the
posterior network q(z|x) = softmax(MLP(x) / T) at a fixed temperature T. The loss is the package's
negative mean ELBO (eq. 31 of Pires and Figueiredo), logProb the exact log sum_z p(z) p(x|z)."""

import math

import torch
import torch.nn.functional as F
from torch import nn

import flows


class Posterior(nn.Module):
    """Diffeo's MLP: hidden layers with ReLU, then K logits; Glorot-uniform weights, biases
    U(+-1/sqrt(fan_in))."""

    def __init__(self, dim, k, hidden, num_hidden_layers, generator):
        super().__init__()
        sizes = [dim] + [hidden] * num_hidden_layers + [k]
        self.layers = nn.ModuleList()
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            layer = nn.Linear(fan_in, fan_out)
            flows._init_linear(layer, "default", generator, glorot=True)
            self.layers.append(layer)

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = F.relu(layer(x))
        return self.layers[-1](x)


class MixtureOfFlows(nn.Module):
    def __init__(self, components, posterior, temperature):
        super().__init__()
        self.components = nn.ModuleList(components)
        self.posterior = posterior
        self.temperature = temperature

    def _log_pxz(self, x):
        return torch.stack([c.log_prob(x) for c in self.components], dim=1)

    def _log_prior(self):
        k = len(self.components)
        return torch.full((k,), -math.log(k))

    def log_prob(self, x):
        return torch.logsumexp(self._log_pxz(x) + self._log_prior(), dim=1)

    def elbo(self, x):
        log_q = F.log_softmax(self.posterior(x) / self.temperature, dim=1)
        return (log_q.exp() * (self._log_pxz(x) + self._log_prior() - log_q)).sum(dim=1)

    def loss(self, x):
        return -self.elbo(x).mean()


def build_mixture(spec, seed):
    """The mixture of a spec {"type": "mixture", "dim", "numComponents", "component": a flow spec,
    "posterior": {"hiddenFeatures", "numHiddenLayers"}, "temperature"}; component k starts from
    seed 100 * seed + 10 * k, as ours."""
    k = spec["numComponents"]
    components = [flows.build(spec["component"], 100 * seed + 10 * c) for c in range(k)]
    p = spec["posterior"]
    posterior = Posterior(
        spec["dim"], k, p["hiddenFeatures"], p["numHiddenLayers"], torch.Generator().manual_seed(seed)
    )
    return MixtureOfFlows(components, posterior, spec["temperature"])
