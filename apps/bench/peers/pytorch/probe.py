"""What the bench needs to know before it starts the peer: Python's version, PyTorch's (or why it
cannot be imported) and the BLAS library PyTorch loaded for its matrix products. One JSON line."""

import json
import os
import platform

out = {"python": platform.python_version(), "torch": None, "blas": []}
try:
    import torch
except ImportError as e:
    out["error"] = f"{type(e).__name__}: {e}"
else:
    out["torch"] = torch.__version__
    # A product large enough to go through BLAS, so the library is loaded when it is a lazy one.
    torch.ones(64, 64) @ torch.ones(64, 64)
    if os.path.exists("/proc/self/maps"):
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if len(line.split()) >= 6}
        out["blas"] = sorted(p for p in paths if any(k in os.path.basename(p).lower() for k in ("blas", "mkl")))
print(json.dumps(out))
