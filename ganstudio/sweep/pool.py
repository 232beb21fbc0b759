"""A sweep on this machine's cores: a pool of worker processes, the BLAS threads divided among them.

Each worker process (started with "spawn": a fresh interpreter, no copied threads or BLAS state)
trains one run at a time with ``cores // workers`` BLAS threads (GANSTUDIO_BLAS_THREADS, set
before NumPy does any work; a count the user fixed in that variable is kept), so the workers
together use the cores once, not oversubscribed.

Stopping: Ctrl-C in a terminal signals the whole process group. Workers ignore SIGINT; the
sweep's process takes it (or SIGTERM), sets a shared event, starts no further run, and each
worker stops its run between whole steps and writes its run folder. A worker sent SIGTERM on
its own stops its run the same way (resumable) while the sweep goes on with the others.

Workers die with the sweep's process: when it dies without stopping them (SIGKILL, a crash), a
watchdog thread in each worker (:func:`_watch_parent`) sees the worker re-parented, stops the run
between whole steps as a stop signal would, lets it write its run folder (resumable) and ends
the worker process. A worker left waiting for the dead process's next task would never end, and
one left training would go on writing a run folder that a rerun of the sweep resumes.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from ganstudio.machine.blas import ENV, cores, fixed_threads, set_blas_threads
from ganstudio.machine.stop_signals import StopSignals
from ganstudio.runs.headless import HeadlessRun
from ganstudio.sweep.worker import Outcome, Task, run_one

BROKEN = "a worker process died (killed?); rerun the sweep to resume its runs"
PROGRESS_EVERY = 1.0  # seconds between a worker's progress messages
WATCH_EVERY = 0.5  # seconds between a worker's looks at whether the sweep's process still lives
ORPHAN_GRACE = 120.0  # seconds an orphaned worker's run gets to stop and write its folder (as the window's save)
ORPHAN_EXIT = 3  # an orphaned worker's exit status

_stop_event = None  # in a worker: the sweep's "stop" event
_progress = None  # in a worker: the queue of (index, step) messages to the sweep's process
_terminated = False  # in a worker: SIGTERM arrived
_orphaned = threading.Event()  # in a worker: the sweep's process died
_training = threading.Lock()  # in a worker: held while a run trains and writes its folder


def blas_threads_per_worker(workers: int) -> int:
    """The BLAS threads each of `workers` processes gets: the cores divided among them (at least 1)."""
    return fixed_threads() or max(1, cores() // workers)


def _init_worker(stop_event, progress, threads: int, parent: int) -> None:
    """A worker process's set-up; `parent`: the sweep's process id."""
    global _stop_event, _progress
    _stop_event, _progress = stop_event, progress
    os.environ[ENV] = str(threads)
    set_blas_threads(threads)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the sweep's process decides; see the module docstring
    signal.signal(signal.SIGTERM, _on_sigterm)
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-sweep-process", daemon=True).start()


def _watch_parent(parent: int) -> None:
    """End this worker once the process `parent` is no longer its parent (it died: the worker was
    re-parented to init or a subreaper), after the run it trains (if any) has stopped and written
    its folder, or ORPHAN_GRACE seconds at most."""
    while os.getppid() == parent:
        time.sleep(WATCH_EVERY)
    _orphaned.set()
    _training.acquire(timeout=ORPHAN_GRACE)
    os._exit(ORPHAN_EXIT)


def _on_sigterm(signum, frame) -> None:
    global _terminated
    _terminated = True


def _should_stop() -> bool:
    return _terminated or _orphaned.is_set() or _stop_event.is_set()


def _work(task: Task) -> Outcome:
    with _training:
        if _orphaned.is_set():  # a task still queued when the sweep's process died: nobody waits for it
            return Outcome(task.index, "stopped", 0)
        return _train(task)


def _train(task: Task) -> Outcome:
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
            workers, mp_context=context, initializer=_init_worker, initargs=(stop_event, progress, threads, os.getpid())
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
