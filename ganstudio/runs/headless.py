"""One session training headless into its run folder: what `ganstudio train` and every run of a
`ganstudio sweep` (in a local worker process or a Ray trial) do.

:class:`HeadlessRun` steps a :class:`~ganstudio.run.session.Session` with the BLAS thread policy,
rewrites the run folder every :data:`SAVE_EVERY` seconds (so a crash loses at most that much),
checks `should_stop()` only between whole steps (so a stopped run holds a state it really had)
and calls `after_step(run)` (the HeadlessRun) after each step (a sweep's progress and Ray's reports).
With a TensorBoard log it feeds the log every :data:`LOG_EVERY` seconds (what is new since the last
feed, in one batch) and closes it with the run's figures (:meth:`HeadlessRun.close_log`).
:func:`write_outputs` writes the run folder: checkpoint, history CSV, sample grid, run.toml and
summary.json.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from ganstudio.config.model import ConfigError
from ganstudio.machine.progress_line import ProgressLine
from ganstudio.machine.thread_policy import ThreadPolicy
from ganstudio.media import write_csv, write_gif, write_png
from ganstudio.media.compose import FrameComposer
from ganstudio.media.gif import oversize
from ganstudio.media.tensorboard import TensorBoardLog
from ganstudio.record.frames import film_to
from ganstudio.run import commands as cmd
from ganstudio.run.checkpoint import save_checkpoint
from ganstudio.run.session import Session
from ganstudio.run.snapshot import render_samples
from ganstudio.runs.layout import CHECKPOINT, HISTORY, SAMPLES
from ganstudio.runs.library import Run, summary
from ganstudio.runs.tensorboard import feed

SAVE_EVERY = 60.0  # seconds between the run folder's updates while training (a crash loses at most this)
LOG_EVERY = 2.0  # seconds between feeds of a TensorBoard log: batches of rows, never a write per step


class HeadlessRun:
    """`session` training headless into `run`'s folder.

    should_stop: asked between whole steps (a stop signal arrived, the sweep was stopped);
    line: the progress line and warnings (None: silent, as in a sweep's worker);
    after_step(self): called after every step (None: nothing);
    tensorboard: the run's TensorBoard log, fed while training (None: no log)."""

    def __init__(
        self,
        session: Session,
        run: Run,
        *,
        should_stop: Callable[[], bool],
        line: ProgressLine | None = None,
        after_step: Callable[[HeadlessRun], None] | None = None,
        tensorboard: TensorBoardLog | None = None,
    ) -> None:
        self.session, self.run, self.line = session, run, line
        self.tensorboard = tensorboard
        self.should_stop, self.after_step = should_stop, after_step
        self.threads = ThreadPolicy()
        self.threads.start(lambda: session.gan.twin_step(session.batches.batch_size))
        self._reported = {(w.kind, w.since) for w in session.insight.warnings}
        self._last_save = self._last_log = time.monotonic()

    def train(self, steps: int | None = None, seconds: float | None = None) -> None:
        """Step until the session reaches step `steps` or has trained `seconds` more seconds
        (one of them), diverges, or `should_stop()`."""
        session = self.session
        if seconds is not None:
            session.apply(cmd.SetStopCondition(cmd.StopCondition(after_seconds=seconds)))
        else:
            session.apply(cmd.SetStopCondition(cmd.StopCondition(at_step=steps)))
        if steps is not None and session.step_count >= steps:
            if self.line is not None:
                self.line.message(f"already at step {session.step_count} (>= --steps {steps}); nothing to train")
        else:
            session.apply(cmd.Resume())
        while not session.paused and self.step():
            pass

    def step(self) -> bool:
        """One training step with its reporting: the progress line, new warnings, the run
        folder every SAVE_EVERY seconds, `after_step`. Returns False once `should_stop()`."""
        session = self.session
        session.step()
        self.threads.update()
        if self.line is not None:
            self._show()
        now = time.monotonic()
        if now - self._last_save >= SAVE_EVERY:
            self.save()
        if self.tensorboard is not None and now - self._last_log >= LOG_EVERY:
            feed(self.tensorboard, session)
            self._last_log = now
        if self.after_step is not None:
            self.after_step(self)
        return not self.should_stop()

    def save(self) -> None:
        """Write the run folder now (checkpoint, history, samples, run.toml, summary.json)."""
        write_outputs(self.session, self.run.folder, None, run=self.run)
        self._last_save = time.monotonic()

    def close_log(self) -> None:
        """Write the rest of the TensorBoard log (if any): what is new, the starting config
        as hyperparameters with the run's figures now as their metrics; then close it."""
        if self.tensorboard is not None:
            feed(self.tensorboard, self.session)
            self.tensorboard.close(self.run.config, summary(self.run, self.session))

    def _show(self) -> None:
        session, line = self.session, self.line
        for warning in session.insight.warnings:
            if (warning.kind, warning.since) not in self._reported:
                self._reported.add((warning.kind, warning.since))
                line.message(f"ganstudio: {warning.line()}")
        latest = session.history.latest()
        if latest:
            line.show(
                f"step {session.step_count:>8}  epoch {session.epoch:>4}  {latest['steps_per_s']:7.0f} steps/s  "
                f"D loss {latest['d_loss']:.3f}  G loss {latest['g_loss']:.3f}  "
                f"D(x) {latest['d_real']:.2f}  D(G(z)) {latest['d_fake']:.2f}  "
                f"{self.threads.choice.text()}"
            )


def check_gif(session: Session, scale: int, steps: int | None) -> None:
    """ConfigError, before training, for a --gif that could not be written after it: frames
    larger than a GIF takes at `scale`, or a run to step `steps` that records no frame (None:
    a time limit, where the steps are not known; see write_outputs)."""
    frames = [*session.recorder.frames, render_samples(session.state)]  # a resumed run's frames, and the grid from now on
    too_large = oversize(FrameComposer(frames, scale=scale, label=True).native_shape, scale)
    if too_large:
        raise ConfigError(f"--gif-scale {scale}: {too_large}")
    start, every = session.step_count, session.recorder.every
    if steps is not None and not session.recorder.records_by(start, steps):
        raise ConfigError(
            f"--gif: the run would record no frame: the sample grid is recorded every {every} steps and the run "
            f"trains from step {start} to {steps}; give --gif-every {steps - start} or less, or more --steps"
        )


def write_outputs(
    session: Session, out: Path, gif: str | None, *, run: Run, fps: float = 10.0, scale: int = 2, max_mb: float | None = None
) -> list[tuple[str, Path | str]]:
    """Checkpoint, history CSV and sample grid PNG into `out` (and the GIF if asked: labelled
    frames at `fps`, enlarged `scale` times, looping forever, within `max_mb` MB if given;
    its entry says what the size limit took: gray levels, frames kept). The GIF ends on the run's
    last step: its samples follow the recorded frames when the newest is older (a run that
    recorded no frame, ended first by a time limit or a stop signal, makes a GIF of them alone)."""
    written = [("checkpoint", save_checkpoint(session, out / CHECKPOINT))]
    written.append(("history", write_csv(out / HISTORY, session.history.columns())))
    written.append(("samples", write_png(out / SAMPLES, render_samples(session.state))))
    written += zip(("run", "summary"), run.save(session))
    if gif:
        steps, frames = film_to(*session.recorder.snapshot(), session.step_count, lambda: render_samples(session.state))
        note = ""
        if not len(session.recorder):
            note = f"; no frame was recorded (every {session.recorder.every} steps), so it shows the final samples"
        result = write_gif(gif, frames, steps, fps=fps, scale=scale, label=True, max_mb=max_mb)
        written.append(("gif", f"{result.path}, {result.describe()}{note}"))
    return written
