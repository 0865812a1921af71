"""The bench's PyTorch peer: `python3 peer.py --threads N`, driven by apps/bench/src/peer/.

Protocol, one JSON object per line. The peer writes to stdout:
  {"type": "ready", "torch": version, "python": version, "threads": n}      once, at start
  {"type": "progress", "id": id, "label": text}                             before each item of work
  {"type": "result", "id": id, "result": {...}}                             a request's measurements
  {"type": "error", "id": id, "message": text}                              a request that failed
and reads requests from stdin:
  {"type": "run", "id": id, "workload": name, "arch": {"id", "spec"}, "settings": {...},
   "data": {name: {"path", "rows", "cols"}}, "seeds": [...] (time-to-quality, optional)}
The data files are raw little-endian float32 rows written by the bench, so both sides use the
same points. The peer stops at the end of its input.
"""

import argparse
import json
import math
import platform
import sys

import torch

from allocator import keep_freed_memory
from workloads import WORKLOADS


def _finite(value):
    """JSON has no NaN or infinity: non-finite numbers become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def send(message):
    sys.stdout.write(json.dumps(_finite(message), allow_nan=False) + "\n")
    sys.stdout.flush()


def load(entry):
    with open(entry["path"], "rb") as f:
        raw = bytearray(f.read())
    expected = entry["rows"] * entry["cols"] * 4
    if len(raw) != expected:
        raise ValueError(f"{entry['path']}: expected {expected} bytes, got {len(raw)}")
    return torch.frombuffer(raw, dtype=torch.float32).reshape(entry["rows"], entry["cols"])


def handle(request):
    rid = request.get("id")
    try:
        run = WORKLOADS.get(request["workload"])
        if run is None:
            raise ValueError(f"unknown workload {request['workload']!r}, expected one of {', '.join(WORKLOADS)}")
        data = {name: load(entry) for name, entry in request.get("data", {}).items()}
        result = run(request, data, lambda label: send({"type": "progress", "id": rid, "label": label}))
        send({"type": "result", "id": rid, "result": result})
    except Exception as e:  # reported to the bench, which goes on with the next request
        send({"type": "error", "id": rid, "message": f"{type(e).__name__}: {e}"})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, required=True, help="torch.set_num_threads")
    parser.add_argument(
        "--allocator",
        choices=["keep", "default"],
        default="keep",
        help="keep: glibc keeps freed memory for reuse (see allocator.py); default: glibc's own settings",
    )
    args = parser.parse_args()
    allocator = "keep" if args.allocator == "keep" and keep_freed_memory() else "default"
    torch.set_num_threads(args.threads)
    send(
        {
            "type": "ready",
            "torch": torch.__version__,
            "python": platform.python_version(),
            "threads": torch.get_num_threads(),
            "allocator": allocator,
        }
    )
    for line in sys.stdin:
        if line.strip() == "":
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError as e:
            send({"type": "error", "id": None, "message": f"unreadable request: {e}"})
            continue
        handle(request)


if __name__ == "__main__":
    main()
