"""How many BLAS threads a run's matrix products use, and why: one policy for the window,
`train`, `sample` and `bench`.

Why it matters: on an idle machine a large network's step is fastest on every core, but
NumPy's OpenBLAS busy-waits between products, so a two-thread product stalls on its preempted
half whenever another program keeps a core busy: with one of two cores busy, `vanilla` trained
over 10x slower on two threads than on one (figures: docs/DESIGN.md, "BLAS threads: one policy").

The rules (:func:`choose`, a pure function of its readings; the first that applies decides):

1. ``GANSTUDIO_BLAS_THREADS=N`` fixes the count, everywhere.
2. One core: 1 thread.
3. When a workload starts (a run opens, its network or batch changes), one step's worth of its
   own work is timed at 1, 2, 4, ... and every core (:func:`time_thread_counts`, interleaved,
   ~0.3 s). If no count is at least :data:`MIN_GAIN` faster than 1 thread, it uses 1: a small
   network does not take rule 4's risk for a few percent. A timing taken while other programs
   kept more than half a core busy is thrown away and taken again once they do not (a little
   load only makes more threads look worse: such a timing errs on the safe side). While the
   machine is quiet the workload is timed again every :data:`RETIME` seconds, each count keeping
   its fastest time over all timings: a few steps' timing of a heavy network is noisy (the dcgan
   family's 2-thread gain read 0-49% in repeated timings on an idle machine, 35-55% while
   training), and one unlucky first timing must not hold a run at 1 thread for good.
4. While other programs keep cores busy (:mod:`ganstudio.machine.cpuload`), one thread fewer per busy
   core: a core counts as taken above :data:`DOWN_ABOVE` of it, free again below
   :data:`UP_BELOW` (the gap keeps the count from flapping). Re-checked between steps every
   ~2 s (:meth:`ThreadPolicy.update`).

:class:`Choice` says the count and why, e.g. "1 thread: other programs use 0.9 core". The
reading of the machine (load, timings) and the setting of the library come in through
:class:`Machine`, so tests drive the policy with readings of their own.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ganstudio.machine.blas import ENV, blas_threads_now, cores, fixed_threads, set_blas_threads
from ganstudio.machine.cpuload import CpuSample, cpu_sample, others_busy

MIN_GAIN = 0.15  # more threads must make the step at least this much faster to be used
DOWN_ABOVE = 0.5  # other programs' use of a core above which it counts as taken
UP_BELOW = 0.25  # ... and below which it counts as free again
MEASURE_BUDGET = 0.3  # seconds of timing rounds when a workload starts (plus one warm-up step)
INTERVAL = 2.0  # seconds between load checks while running
RETIME = 60.0  # seconds between timings of the same workload while the machine is quiet (~0.5% of the time)

Probe = Callable[[], object]  # one unit of the workload's work, e.g. one training step of a twin of its networks


@dataclass(frozen=True)
class Choice:
    threads: int
    reason: str = ""  # why not every core ("" when every core, or as many as help)

    def text(self) -> str:
        """E.g. "2 threads", "1 thread: other programs use 0.9 core"."""
        count = f"{self.threads} thread{'' if self.threads == 1 else 's'}"
        return f"{count}: {self.reason}" if self.reason else count


def thread_counts(cores: int) -> list[int]:
    """The counts a workload is timed at: 1, 2, 4, ... and `cores`."""
    counts = [1]
    while counts[-1] * 2 < cores:
        counts.append(counts[-1] * 2)
    return counts + [cores] if cores > 1 else counts


def threads_left(others: float, current: int | None, cores: int) -> int:
    """Threads left for us while other programs keep `others` cores busy (at least 1): a core
    counts as taken above DOWN_ABOVE of it, free below UP_BELOW; in between the `current` count
    stays (None: the first choice, taken by DOWN_ABOVE)."""
    leave = max(1, cores - math.floor(others + 1 - DOWN_ABOVE))
    take_back = max(1, cores - math.floor(others + 1 - UP_BELOW))
    if current is None or current > leave:
        return leave
    return max(current, take_back)


def _cores_text(others: float) -> str:
    return f"{others:.1f} core{'' if round(others, 1) <= 1 else 's'}"


def choose(
    fixed: int | None, cores: int, others: float | None, times: dict[int, float] | None, current: int | None = None
) -> Choice:
    """The thread count for a workload, and why.

    fixed: GANSTUDIO_BLAS_THREADS (None: not set); cores: the cores we may use; others: cores
    other programs kept busy lately (None: unknown); times: seconds of one unit of the workload
    at each thread count (None: not timed); current: the count in use (for the hysteresis)."""
    if fixed is not None:
        return Choice(fixed, ENV)
    if cores <= 1:
        return Choice(1, "one core")
    useful = cores
    if times:
        fastest = min(times, key=lambda n: (times[n], n))
        gain = times[1] / times[fastest] - 1.0 if 1 in times else math.inf
        if fastest == 1:
            return Choice(1, f"{max(times)} threads are no faster for this network")
        if gain < MIN_GAIN:
            return Choice(1, f"{fastest} threads gain only {gain:.0%} for this network")
        useful = fastest
    left = cores if others is None else threads_left(others, current, cores)
    if left < useful:
        return Choice(left, f"other programs use {_cores_text(others)}")
    return Choice(useful, "" if useful == cores else "the fastest count for this network")


def time_thread_counts(probe: Probe, counts: list[int], budget: float = MEASURE_BUDGET) -> dict[int, float]:
    """Best seconds of one `probe()` at each thread count: one warm-up call (buffers, caches),
    then rounds that call it once at every count in turn (so drift hits all counts alike) until
    `budget` seconds have passed (at least one round, at most 20). Leaves the library at the
    last count."""
    set_blas_threads(counts[-1])
    probe()
    best = dict.fromkeys(counts, math.inf)
    start = time.perf_counter()
    for _ in range(20):
        for n in counts:
            set_blas_threads(n)
            begin = time.perf_counter()
            probe()
            best[n] = min(best[n], time.perf_counter() - begin)
        if time.perf_counter() - start > budget:
            break
    return best


@dataclass(frozen=True)
class Machine:
    """What the policy reads from the machine and sets on it; tests pass readings of their own."""

    cores: Callable[[], int] = cores
    fixed: Callable[[], int | None] = fixed_threads
    cpu: Callable[[], CpuSample | None] = cpu_sample
    clock: Callable[[], float] = time.monotonic  # the clock of CpuSample.wall
    time_counts: Callable[[Probe, list[int]], dict[int, float]] = time_thread_counts
    apply: Callable[[int], None] = set_blas_threads
    threads_now: Callable[[], int] = blas_threads_now  # the library's count (before the policy set one)


MACHINE = Machine()  # this machine; a test may put a scripted one here


class ThreadPolicy:
    """The thread count of one training thread's workloads. :meth:`start` when a workload begins
    (or changes), :meth:`update` between steps; :attr:`choice` is the count in use and why."""

    def __init__(self, machine: Machine | None = None, interval: float = INTERVAL, retime: float = RETIME) -> None:
        self.machine = machine or MACHINE
        self.interval, self.retime = interval, retime
        self.choice: Choice | None = None
        self.times: dict[int, float] | None = None  # each count's fastest undisturbed time of the workload
        self._timed_at = 0.0  # clock of the last timing kept
        self._fixed: int | None = None
        self._cores = 1
        self._workload: Callable[[], Probe] | None = None
        self._last: CpuSample | None = None
        self._applied: int | None = None  # the count last set on the library (None: unknown)

    def start(self, workload: Callable[[], Probe] | None) -> Choice:
        """Time a new workload (`workload()` builds the probe to time, dropped afterwards; None:
        nothing to time) and set the count. Well under a second for the networks of the presets."""
        m = self.machine
        self._fixed, self._cores = m.fixed(), m.cores()
        self._workload, self.times = workload, None
        self._last = m.cpu()
        others = self._measure()
        return self._set(choose(self._fixed, self._cores, others, self.times))

    def update(self) -> Choice | None:
        """Between steps: every `interval` seconds re-read the load (and time the workload if that
        was disturbed before, or every `retime` seconds while the machine is quiet) and choose
        again. Returns the new choice when the count changed."""
        m = self.machine
        if self.choice is None or self._fixed is not None or self._cores <= 1 or self._last is None:
            return None
        if m.clock() - self._last.wall < self.interval:
            return None
        now = m.cpu()
        if now is None:
            return None
        others, self._last = others_busy(self._last, now), now
        stale = self.times is None or (others <= UP_BELOW and now.wall - self._timed_at >= self.retime)
        if stale and self._workload is not None and others <= DOWN_ABOVE:
            others = self._measure()
        before = self.choice.threads
        choice = self._set(choose(self._fixed, self._cores, others, self.times, before))
        return choice if choice.threads != before else None

    @contextmanager
    def at_most(self, threads: int) -> Iterator[None]:
        """Run the block with at most `threads` BLAS threads, then go back to the count in use:
        for work whose products are memory-bound (one query against many points), where a
        second thread only waits for memory and, on a busy machine, for its preempted core.
        GANSTUDIO_BLAS_THREADS still decides when set."""
        m = self.machine
        before = self._applied if self._applied is not None else m.threads_now()
        lower = m.fixed() is None and threads < before
        if lower:
            m.apply(threads)
        try:
            yield
        finally:
            if lower:
                m.apply(before)

    def _measure(self) -> float | None:
        """Time the workload at each count; keep the timings (each count's fastest so far) unless
        other programs were busy meanwhile. Returns their load during the timing (None: not timed
        or not known)."""
        m = self.machine
        if self._fixed is not None or self._cores <= 1 or self._workload is None:
            return None
        before = m.cpu()
        self._applied = None  # timing leaves the library at some count
        times = m.time_counts(self._workload(), thread_counts(self._cores))
        after = m.cpu()
        if before is None or after is None:
            self._keep(times, m.clock())
            return None
        others, self._last = others_busy(before, after), after
        if others <= DOWN_ABOVE:  # a little load only makes more threads look worse: kept
            self._keep(times, after.wall)
        return others

    def _keep(self, times: dict[int, float], when: float) -> None:
        """Merge a timing into :attr:`times` (the same counts each time: the cores are read at
        :meth:`start`): noise only slows a timing, so the fastest is the truest."""
        self.times = times if self.times is None else {n: min(t, self.times[n]) for n, t in times.items()}
        self._timed_at = when

    def _set(self, choice: Choice) -> Choice:
        if choice.threads != self._applied:
            self.machine.apply(choice.threads)
            self._applied = choice.threads
        self.choice = choice
        return choice
