"""`ganstudio bench --gui`: training speed with the window open against headless, and how
promptly the GUI thread answers while training.

Both sides train the same preset. Shared machines drift (a neighbour's load comes and goes over
seconds), so the measurement alternates: `rounds` times, a headless segment (a second session
stepped in this thread while the window's training is paused) then a windowed segment (the
window training in its worker thread, plots and grid updating). The ratio is taken per round and
the median reported. Responsiveness: a 10 ms QTimer runs in the GUI thread during the windowed
segments; its lateness (actual interval minus 10 ms) is reported as p50, p99 and max.

BLAS threads: the window's training chooses them by the app's policy (ganstudio.machine.thread_policy),
and the headless segments run at the same count, so the ratio compares like with like. Other
programs' load during each segment (/proc/stat), a window faster than headless, rounds that
disagree widely or a thread count that changed make the measurement "disturbed": reported as
such, not as a result. The window is a real one on the screen when there is a display (DISPLAY
or WAYLAND_DISPLAY), offscreen otherwise; QT_QPA_PLATFORM, if set, decides.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from ganstudio.config.model import RunConfig
from ganstudio.config.presets import load_preset
from ganstudio.data.mnist import FAMILIES, on_disk
from ganstudio.machine.bench import busy_reason, others_during, spread_reason
from ganstudio.machine.progress_line import ProgressLine
from ganstudio.run import commands as cmd
from ganstudio.run.session import Session

TIMER_MS = 10
MIN_SEGMENT_S = 0.5
FASTER = 1.1  # a window training faster than this times headless, at the same thread count, is no result


@dataclass(frozen=True)
class GuiBenchResult:
    preset: str
    dataset: str  # the preset's, or synthetic-digits when MNIST is not on disk
    rounds: int
    headless_steps_per_s: float  # median over rounds
    window_steps_per_s: float  # median over rounds
    ratio: float  # median of the per-round ratios window / headless
    snapshots_per_s: float  # snapshots the window painted, over all windowed segments
    gui_cpu: float  # CPU time of the GUI thread / wall time, windowed segments
    blas_threads: int  # both sides, as the window's training chose
    blas_threads_why: str
    platform: str  # Qt's platform plugin: "xcb" or "wayland" (a real window), "offscreen"
    timer_late_p50_ms: float
    timer_late_p99_ms: float
    timer_late_max_ms: float
    disturbed: bool
    disturbance: str | None  # why the figures are no result


def steps_for(session: Session, seconds: float) -> float:
    """Step `session` for `seconds` in this thread; steps/s."""
    start = time.perf_counter()
    steps = 0
    while time.perf_counter() - start < seconds:
        session.step()
        steps += 1
    return steps / (time.perf_counter() - start)


def run_event_loop_until(done, poll_ms: int = 20) -> None:
    """Run the Qt event loop until `done()` is true (checked every `poll_ms`)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    check = QTimer(interval=poll_ms, timeout=lambda: done() and loop.quit())
    check.start()
    if not done():
        loop.exec()
    check.stop()


def run_event_loop_for(seconds: float) -> None:
    """Run the Qt event loop for `seconds`, as the app does (no polling)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def without_download(config: RunConfig, data_dir: str | None) -> RunConfig:
    """`config`, or the same run on the built-in synthetic-digits when its dataset (the MNIST
    family) is not on disk: like the headless bench, a benchmark never downloads."""
    if config.data.dataset in FAMILIES and not on_disk(config.data.dataset, data_dir):
        return config.with_values({"data.dataset": "synthetic-digits"})
    return config


def has_display(env: dict[str, str]) -> bool:
    """Whether Qt can open real windows: a platform set in QT_QPA_PLATFORM other than offscreen,
    else an X11 or Wayland display."""
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform != "offscreen"
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def gui_disturbance(others: dict[str, float | None], ratios: list[float], threads: list[int]) -> str | None:
    """Why the comparison is no result, or None: other programs busy during a segment, a window
    faster than headless (it does the same steps and paints), rounds that disagree widely, or a
    thread count that changed between segments."""
    reasons = [
        busy_reason(others),
        f"the window trained {max(ratios):.2f}x as fast as headless" if max(ratios) > FASTER else None,
        spread_reason(ratios, "of headless"),
        f"the thread count changed ({' -> '.join(map(str, dict.fromkeys(threads)))})" if len(set(threads)) > 1 else None,
    ]
    return "; ".join(r for r in reasons if r) or None


def measure(
    preset: str, data_dir: str | None, seconds: float, rounds: int = 4, progress: Callable[[str], None] = lambda text: None
) -> GuiBenchResult:
    """Alternate headless and windowed segments, `seconds` of each in total; `progress(text)`
    says what it measures."""
    if not has_display(dict(os.environ)):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from ganstudio.gui.app import configure_threads
    from ganstudio.gui.theme import configure_pyqtgraph
    from ganstudio.gui.window.main_window import MainWindow

    config = without_download(load_preset(preset), data_dir)
    segment = max(MIN_SEGMENT_S, seconds / rounds)

    progress(f"bench --gui: opening {preset} on {config.data.dataset}")
    headless = Session(config, data_dir=data_dir)
    app = QApplication.instance() or QApplication([])
    configure_pyqtgraph()
    configure_threads()
    settings = QSettings(os.path.join(tempfile.mkdtemp(), "bench.ini"), QSettings.Format.IniFormat)
    runs = tempfile.mkdtemp(prefix="ganstudio-bench-runs.")  # the measured run is not kept in the user's runs library
    window = MainWindow(config, data_dir=data_dir, settings=settings, runs_dir=runs)
    window.show()
    shown = [0]
    window.snapshot_shown.connect(lambda _: shown.__setitem__(0, shown[0] + 1))
    run_event_loop_until(lambda: window.snapshot is not None)
    worker = window.host.worker

    def train_window(steps: int) -> None:
        """Resume the window's training until it made `steps` more steps."""
        started = worker.steps_done
        window.submit(cmd.Resume())
        run_event_loop_until(lambda: worker.steps_done >= started + steps)

    def pause_window() -> None:
        window.submit(cmd.Pause())
        run_event_loop_until(lambda: window.snapshot is not None and window.snapshot.paused)

    progress("bench --gui: the window's training chooses its BLAS threads")
    train_window(5)  # its thread policy times the step before the first one
    pause_window()
    steps_for(headless, 0.2)  # warm-up at that count: buffers, caches

    late: list[float] = []
    last = [0.0]

    def tick() -> None:
        now = time.perf_counter()
        late.append((now - last[0]) * 1000.0 - TIMER_MS)
        last[0] = now

    timer = QTimer(interval=TIMER_MS, timeout=tick)
    headless_rates, window_rates, frames, window_time, gui_cpu = [], [], 0, 0.0, 0.0
    others: dict[str, float | None] = {}
    threads: list[int] = []
    try:
        for i in range(1, rounds + 1):
            threads.append(worker.blas.choice.threads)
            progress(f"bench --gui: round {i}/{rounds}, headless ({worker.blas.choice.text()})")
            rate, others[f"headless segment {i}"] = others_during(lambda: steps_for(headless, segment))
            headless_rates.append(rate)

            progress(f"bench --gui: round {i}/{rounds}, window open")
            train_window(5)
            steps0, shown0, start, cpu0 = worker.steps_done, shown[0], time.perf_counter(), time.thread_time()
            last[0] = start
            timer.start()
            _, others[f"window segment {i}"] = others_during(lambda: run_event_loop_for(segment))
            timer.stop()
            elapsed = time.perf_counter() - start
            gui_cpu += time.thread_time() - cpu0
            window_rates.append((worker.steps_done - steps0) / elapsed)
            frames += shown[0] - shown0
            window_time += elapsed
            pause_window()
            threads.append(worker.blas.choice.threads)
        platform = app.platformName()
    finally:
        window.close()
        shutil.rmtree(runs, ignore_errors=True)
    lateness = np.array(late) if late else np.zeros(1)
    ratios = np.array(window_rates) / np.array(headless_rates)
    disturbed = gui_disturbance(others, list(ratios), threads)
    return GuiBenchResult(
        preset=preset,
        dataset=config.data.dataset,
        rounds=rounds,
        headless_steps_per_s=float(np.median(headless_rates)),
        window_steps_per_s=float(np.median(window_rates)),
        ratio=float(np.median(ratios)),
        snapshots_per_s=frames / window_time,
        gui_cpu=gui_cpu / window_time,
        blas_threads=worker.blas.choice.threads,
        blas_threads_why=worker.blas.choice.text(),
        platform=platform,
        timer_late_p50_ms=float(np.percentile(lateness, 50)),
        timer_late_p99_ms=float(np.percentile(lateness, 99)),
        timer_late_max_ms=float(lateness.max()),
        disturbed=disturbed is not None,
        disturbance=disturbed,
    )


def format_report(r: GuiBenchResult, seconds: float) -> str:
    lines = [
        f"preset {r.preset} on {r.dataset}: {seconds:g} s each side, alternating in {r.rounds} rounds (medians); "
        f"BLAS {r.blas_threads_why}; window: {r.platform}",
    ]
    if r.disturbed:
        return "\n".join(lines + [f"disturbed, no result: {r.disturbance}; rerun on an idle machine"])
    return "\n".join(
        lines
        + [
            f"headless        {r.headless_steps_per_s:8.1f} steps/s",
            f"window open     {r.window_steps_per_s:8.1f} steps/s   "
            f"({r.ratio:.2f} of headless, {r.snapshots_per_s:.0f} snapshots/s painted)",
            f"GUI thread busy {100 * r.gui_cpu:.0f}% of a core while training",
            f"{TIMER_MS} ms timer lateness: p50 {r.timer_late_p50_ms:.1f} ms, p99 {r.timer_late_p99_ms:.1f} ms, "
            f"max {r.timer_late_max_ms:.1f} ms",
        ]
    )


def main(preset: str, data_dir: str | None, seconds: float, as_json: bool = False, rounds: int = 4) -> int:
    line = ProgressLine()
    result = measure(preset, data_dir, seconds, rounds, progress=lambda text: line.show(text, force=True))
    line.message("bench --gui: measured")
    print(json.dumps(asdict(result)) if as_json else format_report(result, seconds))
    return 0
