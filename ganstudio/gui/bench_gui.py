"""`ganstudio bench --gui`: training speed with the window open against headless, and how
promptly the GUI thread answers while training.

Both runs use the same preset for the same time. Responsiveness: a 10 ms QTimer runs in the GUI
thread during the windowed run; its lateness (actual interval minus 10 ms) is reported as p50,
p99 and max.
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np

from ganstudio import commands as cmd
from ganstudio.blas import blas_threads_now
from ganstudio.presets import load_preset
from ganstudio.session import Session


def headless_rate(config, data_dir: str | None, seconds: float) -> float:
    session = Session(config, data_dir=data_dir)
    for _ in range(20):
        session.step()
    start = time.perf_counter()
    steps = 0
    while time.perf_counter() - start < seconds:
        session.step()
        steps += 1
    return steps / (time.perf_counter() - start)


def windowed_rate(config, data_dir: str | None, seconds: float) -> tuple[float, np.ndarray, int]:
    """(steps/s with the window open and training, timer lateness in ms, snapshots shown)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from ganstudio.gui.app import configure_pyqtgraph
    from ganstudio.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    configure_pyqtgraph()
    settings = QSettings(os.path.join(tempfile.mkdtemp(), "bench.ini"), QSettings.Format.IniFormat)
    window = MainWindow(config, data_dir=data_dir, settings=settings)
    window.show()
    shown = [0]
    window.snapshot_shown.connect(lambda _: shown.__setitem__(0, shown[0] + 1))
    run_event_loop_until(lambda: window.snapshot is not None)
    window.submit(cmd.Resume())
    worker = window.host.worker
    run_event_loop_until(lambda: worker.steps_done >= 20)
    late: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        late.append((now - last[0]) * 1000.0 - 10.0)
        last[0] = now

    timer = QTimer(interval=10, timeout=tick)
    steps0, shown0, start = worker.steps_done, shown[0], time.perf_counter()
    timer.start()
    last[0] = time.perf_counter()
    loop = QEventLoop()  # the window runs as in the app: an event loop, no polling
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    timer.stop()
    rate = (worker.steps_done - steps0) / (time.perf_counter() - start)
    frames = shown[0] - shown0
    window.close()
    return rate, np.array(late[1:]), frames


def run_event_loop_until(done, poll_ms: int = 20) -> None:
    """Run the Qt event loop until `done()` is true (checked every `poll_ms`)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    check = QTimer(interval=poll_ms, timeout=lambda: done() and loop.quit())
    check.start()
    if not done():
        loop.exec()
    check.stop()


def main(preset: str, data_dir: str | None, seconds: float) -> int:
    config = load_preset(preset)
    headless = headless_rate(config, data_dir, seconds)
    headless_threads = blas_threads_now()
    windowed, late, frames = windowed_rate(config, data_dir, seconds)
    print(f"preset {preset}: {seconds:g} s each")
    print(f"headless        {headless:8.1f} steps/s   (BLAS threads: {headless_threads})")
    print(
        f"window open     {windowed:8.1f} steps/s   ({windowed / headless:.2f} of headless, {frames / seconds:.0f} snapshots/s painted, "
        f"BLAS threads: {blas_threads_now()})"
    )
    if len(late):
        print(f"10 ms timer lateness: p50 {np.percentile(late, 50):.1f} ms, p99 {np.percentile(late, 99):.1f} ms, max {late.max():.1f} ms")
    return 0
