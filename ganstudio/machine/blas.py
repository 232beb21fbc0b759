"""The BLAS library's threads (OpenBLAS in NumPy's wheels): the machine's cores, the count the
user fixed, and reading and setting the library's count. Which count a run uses, and why, is
decided in :mod:`ganstudio.machine.thread_policy`.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy  # noqa: F401  (loads NumPy's BLAS before threadpoolctl looks for it)
import threadpoolctl
from threadpoolctl import ThreadpoolController

from ganstudio.engine import kernels

ENV = "GANSTUDIO_BLAS_THREADS"


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def fixed_threads() -> int | None:
    """The count GANSTUDIO_BLAS_THREADS asks for, if any."""
    value = os.environ.get(ENV, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


@lru_cache(maxsize=1)
def _blas() -> ThreadpoolController:
    """NumPy's BLAS libraries, found once: a fresh look costs far more than a limit set through
    the cached controller (docs/DESIGN.md, "Measured figures behind code choices")."""
    return ThreadpoolController().select(user_api="blas")


def set_blas_threads(threads: int | None) -> None:
    """Cap the BLAS thread count, process-wide (None: leave it as it is), from whichever thread
    trains now; the engine sizes its conv products' chunks by it (engine/kernels.set_threads).

    threadpoolctl 3.8 lets only the first thread that set OpenBLAS's count set it again while
    that thread is alive, and silently ignores the others; a QThread counts as alive for ever
    once it has called into Python. A training thread that came after another setter (a window
    after `bench --gui`'s headless rounds, a test after a window's test) had its choices
    ignored. One thread trains at a time in a GAN Studio process, so the caller takes control
    first (docs/DESIGN.md, "BLAS threads: one policy")."""
    if threads is not None:
        _take_control()
        _blas().limit(limits=threads)
        kernels.set_threads(threads)


def _take_control() -> None:
    """Make the calling thread the one threadpoolctl lets set OpenBLAS's count (3.8 and later)."""
    openblas = getattr(threadpoolctl, "OpenBLASController", None)
    if hasattr(openblas, "clear_controlling_thread"):
        openblas.clear_controlling_thread(force=True)


def blas_threads_now() -> int:
    """The BLAS library's current thread count."""
    return max((lib.num_threads for lib in _blas().lib_controllers), default=1)


def blas_library() -> str:
    """The BLAS NumPy uses, e.g. "openblas 0.3.31 (SkylakeX)"."""
    pools = _blas().info()
    if not pools:
        return "unknown"
    pool = pools[0]
    return f"{pool.get('internal_api', '?')} {pool.get('version', '')} ({pool.get('architecture', '?')})"
