"""How many cores other programs keep busy: /proc/stat's busy time of the cores this process may
run on, minus this process's own CPU time (so our own GUI thread and BLAS threads, spinning or
working, never count). Linux only; elsewhere the readings are None.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CpuSample:
    wall: float  # time.monotonic() seconds
    busy: float  # CPU seconds the cores we may run on were busy (all but idle and iowait), since boot
    ours: float  # CPU seconds of this process, all its threads


def _our_cpus() -> set[int] | None:
    try:
        return os.sched_getaffinity(0)
    except AttributeError:  # not on Linux
        return None


def busy_seconds(stat_lines: Iterable[str], cpus: set[int] | None) -> float:
    """CPU seconds busy (all but idle and iowait) in /proc/stat's lines, summed over the per-core
    lines of `cpus` (the whole-machine "cpu" line when None)."""
    ticks = 0
    for line in stat_lines:
        name, *values = line.split()
        if not name.startswith("cpu"):
            break  # the cpu lines come first
        take = name == "cpu" if cpus is None else name != "cpu" and int(name[3:]) in cpus
        if take:
            v = [int(x) for x in values[:8]]
            ticks += sum(v) - v[3] - v[4]
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_sample() -> CpuSample | None:
    """A reading to pass to :func:`others_busy` (~50 us); None where /proc/stat does not exist."""
    try:
        with open("/proc/stat") as f:
            busy = busy_seconds(f, _our_cpus())
    except (OSError, ValueError):
        return None
    return CpuSample(time.monotonic(), busy, time.process_time())


def others_busy(before: CpuSample, after: CpuSample) -> float:
    """Cores other programs kept busy, on average, between two readings."""
    wall = after.wall - before.wall
    if wall <= 0:
        return 0.0
    return max(0.0, ((after.busy - before.busy) - (after.ours - before.ours)) / wall)
