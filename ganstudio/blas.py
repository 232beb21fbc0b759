"""How many threads the BLAS library (OpenBLAS in NumPy's wheels) uses for matrix products.

On an idle machine every core is fastest (2-core machine: `recommended` 32 vs 19 steps/s,
`vanilla` ~1.2x). But OpenBLAS's worker threads busy-wait between products, and when another
program keeps a core busy a two-thread product stalls on its preempted half: `vanilla` then
trains at 109 steps/s with two threads against 261 with one (measured beside another training).

Headless runs use every core, fixed for the run: OpenBLAS's results differ in the last bits
between thread counts and a scripted run must reproduce bit for bit. The window's training
adapts (:class:`AdaptiveThreads`): every core while the rest of the machine is idle, one fewer
while other programs keep a core busy. `GANSTUDIO_BLAS_THREADS=N` fixes the count everywhere.
"""

from __future__ import annotations

import os
import time

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


def default_threads() -> int:
    """GANSTUDIO_BLAS_THREADS if set, else every core."""
    return fixed_threads() or cores()


def _cpu_sample() -> tuple[float, float, float] | None:
    """(wall seconds, CPU seconds the whole machine was busy, CPU seconds of this process), or
    None where /proc/stat does not exist."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    busy = sum(ticks) - ticks[3] - ticks[4]  # all but idle and iowait
    return time.monotonic(), busy / os.sysconf("SC_CLK_TCK"), time.process_time()


def others_busy(before: tuple[float, float, float], after: tuple[float, float, float]) -> float:
    """Cores kept busy by other programs between two :func:`_cpu_sample` readings."""
    wall = after[0] - before[0]
    if wall <= 0:
        return 0.0
    return max(0.0, ((after[1] - before[1]) - (after[2] - before[2])) / wall)


class AdaptiveThreads:
    """The window's BLAS thread count: every core while other programs leave the machine idle,
    one fewer while they keep more than ~half a core busy (back when they use less than ~a
    quarter). Call :meth:`update` between training steps; it reads /proc/stat at most every
    `interval` seconds (~50 us) and returns the new count when it changed, else None.
    Fixed (never changes) when GANSTUDIO_BLAS_THREADS is set, on one core, or without /proc."""

    DOWN_ABOVE = 0.5  # other programs' busy cores that make us leave one core
    UP_BELOW = 0.25

    def __init__(self, interval: float = 2.0) -> None:
        self.interval = interval
        self.threads = default_threads()
        self.adaptive = fixed_threads() is None and cores() > 1
        self._last = _cpu_sample() if self.adaptive else None
        set_blas_threads(self.threads)

    def update(self) -> int | None:
        if self._last is None or time.monotonic() - self._last[0] < self.interval:
            return None
        now = _cpu_sample()
        others, self._last = others_busy(self._last, now), now
        want = self.threads
        if self.threads == cores() and others > self.DOWN_ABOVE:
            want = cores() - 1
        elif self.threads < cores() and others < self.UP_BELOW:
            want = cores()
        if want == self.threads:
            return None
        self.threads = want
        set_blas_threads(want)
        return want


def set_blas_threads(threads: int | None) -> None:
    """Cap the BLAS thread count, process-wide (None: leave the library's default)."""
    if threads is not None:
        threadpool_limits(limits=threads, user_api="blas")


def _blas_pools() -> list[dict]:
    return [pool for pool in threadpool_info() if pool["user_api"] == "blas"]


def blas_threads_now() -> int:
    """The BLAS library's current thread count."""
    return max((pool["num_threads"] for pool in _blas_pools()), default=1)


def blas_library() -> str:
    """The BLAS NumPy uses, e.g. "openblas 0.3.31 (SkylakeX)"."""
    pools = _blas_pools()
    if not pools:
        return "unknown"
    pool = pools[0]
    return f"{pool.get('internal_api', '?')} {pool.get('version', '')} ({pool.get('architecture', '?')})"
