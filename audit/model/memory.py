"""Memory a finished step freed, handed back to the system before the next one allocates.

Two allocators keep freed memory for reuse: Arrow's pool (mimalloc), and glibc's malloc, which
keeps the freed pages of every thread's arena (numpy's arrays, pandas' codes, the parse threads'
buffers) until it is asked to trim. At a million deals both kept some hundreds of megabytes
under the checks' arrays, counted in the run's peak.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

__all__ = ["hand_back_memory"]


@functools.cache
def _malloc_trim():
    """glibc's malloc_trim, or None (musl, macOS, Windows: their allocators give memory back
    on their own terms)."""
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim") if name else None
    except (OSError, AttributeError):
        return None


def hand_back_memory(*, malloc: bool = True) -> None:
    """Arrow's unused pages, and with `malloc` glibc's free pages in every arena (it walks
    the heap: a few milliseconds on a heap of gigabytes, so once per phase, not per call)."""
    import pyarrow as pa
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim() if malloc else None
    if trim is not None:
        trim(0)
