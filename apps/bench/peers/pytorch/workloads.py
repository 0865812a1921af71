"""The bench's workloads (apps/bench/src/workloads/) in PyTorch, with the same sizes, data and timing
protocol. Each returns raw measurements (seconds per call, trainings); the bench turns them into
figures with the same code as its own, so both sides are summarised alike."""

import math
import time

import torch

import flows


def time_calls(fn, warmup, warmup_s, repeats, min_sample_s, max_calls):
    """The harness's timeCalls: `warmup` untimed calls, more until the warm-up has lasted
    `warmup_s` (the last one estimates a call), then `repeats` samples of enough calls to last
    `min_sample_s` (at most `max_calls`); seconds per call of each sample."""
    estimate = math.inf
    warmup_start = time.perf_counter()
    calls_done = 0
    while calls_done < warmup or time.perf_counter() - warmup_start < warmup_s:
        start = time.perf_counter()
        fn()
        estimate = time.perf_counter() - start
        calls_done += 1
    if min_sample_s <= 0 or not math.isfinite(estimate):
        calls = 1
    else:
        calls = min(max_calls, max(1, math.ceil(min_sample_s / max(estimate, 1e-6))))
    per_call = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        per_call.append((time.perf_counter() - start) / calls)
    return per_call


def _timer(settings, passes=False):
    override = settings["passes"] if passes else settings
    return lambda fn: time_calls(
        fn,
        override["warmup"],
        settings["warmupS"],
        override["repeats"],
        settings["minSampleS"],
        settings["maxCallsPerSample"],
    )


def _chunks(x, chunk):
    return [x[start : start + chunk] for start in range(0, x.shape[0], chunk)]


def _adam(model, learning_rate=1e-3):
    return torch.optim.Adam(model.parameters(), lr=learning_rate, eps=1e-8)


def train_step(request, data, progress):
    """One Adam step per call (zero the gradients, loss, backward, update, loss to a Python float)
    at each training batch, on a fresh model with seed 0."""
    arch = request["arch"]
    timed = _timer(request["settings"])
    cases = []
    parameters = None
    for batch in request["settings"]["trainBatches"]:
        progress(f"{arch['id']} batch {batch}")
        model = flows.build(arch["spec"], 0)
        parameters = flows.parameter_count(model)
        cases.append({"batch": batch, "seconds": timed(_adam_step(model, data[f"train-batch-{batch}"]))})
    return {"parameters": parameters, "cases": cases}


def _adam_step(model, x):
    """One Adam step on the batch x: the model's own loss where it has one (the mixture's negative
    ELBO), else the mean negative log-likelihood; the loss read back ends the step."""
    optimizer = _adam(model)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = model.loss(x) if hasattr(model, "loss") else -model.log_prob(x).mean()
        loss.backward()
        optimizer.step()
        loss.item()

    return step


def _log_prob_pass(model, points, chunk):
    """logProb of the points in chunks, without gradients, every chunk's values handed back."""
    chunks = _chunks(points, chunk)

    def one_pass():
        with torch.no_grad():
            for x in chunks:
                model.log_prob(x).numpy()

    return one_pass


def log_prob(request, data, progress):
    """logProb of the points in chunks, without gradients, every chunk's values handed back, on a
    model with seed 0 whose zero weight matrices got values as training gives them."""
    arch = request["arch"]
    progress(arch["id"])
    settings = request["settings"]
    model = flows.trained_like(flows.build(arch["spec"], 0), 0)
    one_pass = _log_prob_pass(model, data["log-prob"], settings["chunk"])
    return {"parameters": flows.parameter_count(model), "seconds": _timer(settings, True)(one_pass)}


def sample(request, data, progress):
    """Samples in chunks without gradients, each chunk from a generator with the next seed, from
    the model `log_prob` takes."""
    arch = request["arch"]
    progress(arch["id"])
    settings = request["settings"]
    model = flows.trained_like(flows.build(arch["spec"], 0), 0)
    n, chunk = settings["samplePoints"], settings["chunk"]
    sizes = [min(chunk, n - start) for start in range(0, n, chunk)]
    seed = [0]

    def one_pass():
        with torch.no_grad():
            for size in sizes:
                model.sample(size, torch.Generator().manual_seed(seed[0])).numpy()
                seed[0] += 1

    return {"parameters": flows.parameter_count(model), "seconds": _timer(settings, True)(one_pass)}


def held_out_nll(model, x, chunk):
    """Mean NLL of x and its standard error (the per-point standard deviation over sqrt(n))."""
    total = 0.0
    squares = 0.0
    with torch.no_grad():
        for part in _chunks(x, chunk):
            lp = model.log_prob(part).double()
            total += float(lp.sum())
            squares += float((lp * lp).sum())
    n = x.shape[0]
    mean = total / n
    variance = max(0.0, (squares - n * mean * mean) / (n - 1)) if n > 1 else 0.0
    return -mean, math.sqrt(variance / n)


def time_to_quality(request, data, progress):
    """The architecture trained with Adam over shuffled mini-batches (a new permutation each epoch)
    and a cosine-annealed learning rate, once per seed (the request's `seeds`, default all of the
    settings'); held-out NLL and training wall time."""
    arch = request["arch"]
    settings = request["settings"]
    s = settings["timeToQuality"]
    train, test = data["ttq-train"], data["ttq-test"]
    n = train.shape[0]
    batch_size = min(s["batchSize"], n)
    trainings = []
    parameters = None
    for seed in request.get("seeds", range(s["seeds"])):
        progress(f"seed {seed}: training")
        model = flows.build(arch["spec"], seed)
        parameters = flows.parameter_count(model)
        optimizer = _adam(model, s["learningRate"])
        generator = torch.Generator().manual_seed(seed)
        losses = []
        start = time.perf_counter()
        while len(losses) < s["steps"]:
            order = torch.randperm(n, generator=generator)
            for first in range(0, n, batch_size):
                if len(losses) >= s["steps"]:
                    break
                lr = s["learningRate"] * (1 + math.cos(math.pi * len(losses) / s["steps"])) / 2
                for group in optimizer.param_groups:
                    group["lr"] = lr
                optimizer.zero_grad(set_to_none=True)
                loss = -model.log_prob(train[order[first : first + batch_size]]).mean()
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
        wall_s = time.perf_counter() - start
        progress(f"seed {seed}: held-out NLL")
        nll, standard_error = held_out_nll(model, test, settings["chunk"])
        trainings.append(
            {
                "seed": seed,
                "nll": nll,
                "standardError": standard_error,
                "wallS": wall_s,
                "steps": len(losses),
                "firstTrainLoss": losses[0],
                "finalTrainLoss": losses[-1],
            }
        )
    return {"parameters": parameters, "trainings": trainings}


def high_dim(request, data, progress):
    """One Adam step at the `highDim` batch and a logProb pass over the `highDim` points, on models
    with seed 0 as `train_step` (fresh) and `log_prob` (`flows.trained_like`) take them."""
    arch = request["arch"]
    settings = request["settings"]
    progress(f"{arch['id']} train step")
    step_seconds = _timer(settings)(_adam_step(flows.build(arch["spec"], 0), data["train-batch"]))
    progress(f"{arch['id']} logProb")
    model = flows.trained_like(flows.build(arch["spec"], 0), 0)
    one_pass = _log_prob_pass(model, data["log-prob"], settings["chunk"])
    return {
        "parameters": flows.parameter_count(model),
        "stepSeconds": step_seconds,
        "logProbSeconds": _timer(settings, True)(one_pass),
    }


WORKLOADS = {
    "train-step": train_step,
    "log-prob": log_prob,
    "sample": sample,
    "time-to-quality": time_to_quality,
    "high-dim": high_dim,
}
