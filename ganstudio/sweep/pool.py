"""A sweep on this machine's cores: a pool of worker processes, the BLAS threads divided among them.

Each worker process (started with "spawn": a fresh interpreter, no copied threads or BLAS state)
trains one run at a time with ``cores // workers`` BLAS threads (GANSTUDIO_BLAS_THREADS, set
before NumPy does any work; a count the user fixed in that variable is kept), so the workers
together use the cores once, not oversubscribed.

Stopping: Ctrl-C in a terminal signals the whole process group. Workers ignore SIGINT; the
sweep's process takes it (or SIGTERM), sets a shared event, starts no further run, and each
worker stops its run between whole steps and writes its run folder. A worker sent SIGTERM on
its own stops its run the same way (resumable) while the sweep goes on with the others.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from ganstudio.blas import ENV, cores, fixed_threads, set_blas_threads
from ganstudio.headless import HeadlessRun
from ganstudio.stop_signals import StopSignals
from ganstudio.sweep.worker import Outcome, Task, run_one

BROKEN = "a worker process died (killed?); rerun the sweep to resume its runs"
PROGRESS_EVERY = 1.0  # seconds between a worker's progress messages

_stop_event = None  # in a worker: the sweep's "stop" event
_progress = None  # in a worker: the queue of (index, step) messages to the sweep's process
_terminated = False  # in a worker: SIGTERM arrived


def blas_threads_per_worker(workers: int) -> int:
    """The BLAS threads each of `workers` processes gets: the cores divided among them (at least 1)."""
    return fixed_threads() or max(1, cores() // workers)


def _init_worker(stop_event, progress, threads: int) -> None:
    global _stop_event, _progress
    _stop_event, _progress = stop_event, progress
    os.environ[ENV] = str(threads)
    set_blas_threads(threads)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the sweep's process decides; see the module docstring
    signal.signal(signal.SIGTERM, _on_sigterm)


def _on_sigterm(signum, frame) -> None:
    global _terminated
    _terminated = True


def _should_stop() -> bool:
    return _terminated or _stop_event.is_set()


def _work(task: Task) -> Outcome:
    last = 0.0

    def report(headless: HeadlessRun) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY:
            last = now
            _progress.put((task.index, headless.session.step_count))

    return run_one(task, _should_stop, report)


def run_pool(
    tasks: list[Task],
    workers: int,
    *,
    on_start: Callable[[Task], None],
    on_done: Callable[[Task, Outcome], None],
    on_status: Callable[[dict[int, int], bool], None],
) -> int | None:
    """Train `tasks` on `workers` processes, at most `workers` at a time. Calls `on_start(task)`
    as each is handed to a worker, `on_done(task, outcome)` as each ends, and
    `on_status({index: step} of the running ones, stopping)` a few times a second.
    Returns the stop signal that ended the sweep early (None: every task ran)."""
    context = multiprocessing.get_context("spawn")
    stop_event, progress = context.Event(), context.Queue()
    threads = blas_threads_per_worker(workers)
    pending, running = list(tasks), {}  # running: {future: task}
    steps: dict[int, int] = {}
    with StopSignals() as signals:
        signals.defer()
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(stop_event, progress, threads)
        ) as pool:
            while pending or running:
                if signals.signum is not None and not stop_event.is_set():
                    stop_event.set()
                    pending.clear()
                while pending and len(running) < workers:
                    task = pending.pop(0)
                    on_start(task)
                    try:
                        running[pool.submit(_work, task)] = task
                        steps[task.index] = 0
                    except BrokenProcessPool:
                        on_done(task, Outcome(task.index, "failed", 0, BROKEN))
                done, _ = wait(running, timeout=0.25, return_when=FIRST_COMPLETED)
                _drain(progress, steps)
                for future in done:
                    task = running.pop(future)
                    steps.pop(task.index, None)
                    on_done(task, _outcome(future, task))
                on_status({t.index: steps.get(t.index, 0) for t in running.values()}, stop_event.is_set())
    return signals.signum


def _drain(progress, steps: dict[int, int]) -> None:
    while True:
        try:
            index, step = progress.get_nowait()
        except queue.Empty:
            return
        if index in steps:
            steps[index] = step


def _outcome(future: Future, task: Task) -> Outcome:
    try:
        return future.result()
    except BrokenProcessPool:
        return Outcome(task.index, "failed", 0, BROKEN)
