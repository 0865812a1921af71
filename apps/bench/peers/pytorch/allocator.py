"""glibc's malloc returns the memory of freed large tensors to the kernel (heap trimming, and
`mmap` for blocks above its threshold), so the next pass's tensors fault every page back in; with
flows of 10^4-row chunks those page faults, whose cost swings with the load of the machine, can
outweigh the arithmetic. The peer keeps freed memory for reuse instead, as the caching allocators
PyTorch recommends for CPU work (jemalloc, tcmalloc) do."""

import ctypes

# mallopt parameters from glibc's malloc.h.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# glibc's largest mmap threshold on 64-bit systems; blocks below it come from the reusable heap.
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024
TRIM_THRESHOLD = 1 << 30


def keep_freed_memory():
    """True when glibc took the settings; False (nothing changed) on another C library."""
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
