"""How many threads the BLAS library (OpenBLAS in NumPy's wheels) uses for matrix products.

OpenBLAS's worker threads busy-wait between products. When anything else wants a core (the GUI
thread, another program), a two-thread product stalls on its preempted half: on a 2-core
machine small networks then train up to 30x slower (measured, docs/DESIGN.md). The window's
training thread therefore leaves one core to the GUI (:func:`gui_threads`); headless runs use
every core. `GANSTUDIO_BLAS_THREADS=N` sets the count for both (use 1 on a busy machine).

The count is fixed for a process's life: OpenBLAS's results depend on it in the last bits, and
a run must be reproducible bit for bit.
"""

from __future__ import annotations

import os

from threadpoolctl import threadpool_info, threadpool_limits

ENV = "GANSTUDIO_BLAS_THREADS"


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def fixed_threads() -> int | None:
    """The count GANSTUDIO_BLAS_THREADS asks for, if any."""
    value = os.environ.get(ENV, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def gui_threads() -> int:
    """BLAS threads for training beside the GUI: every core but one (at least one)."""
    return fixed_threads() or max(1, cores() - 1)


def set_blas_threads(threads: int | None) -> None:
    """Cap the BLAS thread count, process-wide (None: leave the library's default)."""
    if threads is not None:
        threadpool_limits(limits=threads, user_api="blas")


def blas_threads_now() -> int:
    """The BLAS library's current thread count."""
    return max((pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"), default=1)
