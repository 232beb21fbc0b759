"""A run as a TensorBoard log (the optional extra ``pip install "ganstudio[tensorboard]"``).

:class:`TensorBoardLog` writes what the window plots, through tensorboardX, into one folder per run:
every history field and insight series as scalars under stable tags (:data:`HISTORY_TAGS`,
``insight/<series>``), each recorded sample grid as the image ``samples``, each live change and
warning as text (``changes``, ``warnings``) at its step, and on :meth:`TensorBoardLog.close` the
starting config as hyperparameters with the final figures (summary.json's) as their metrics, so
the runs of a sweep fill TensorBoard's HParams table.

`train --tensorboard` feeds it while training and `runs export --tensorboard` once from a kept
run, with the same data: the history's series ({name: (steps, values)}), the recorder's frames
and the history's events. :meth:`TensorBoardLog.write` may be called as often as wanted: it writes
only what is newer than what it wrote, so the log does not depend on how often it is fed. A
scalar row is written for the first step of each block of :data:`SCALAR_EVERY` steps (and the
run's last row at close), all fields of a step as one event: TensorBoard keeps
1,000 points of a series anyway, and a row every step would cost fast runs several percent of
their speed. tensorboardX is imported only here, when a log is opened.
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ganstudio.config.model import ConfigError, RunConfig, keys, value_text
from ganstudio.record.history import Event, EventKind

INSTALL_HINT = 'TensorBoard logging needs tensorboardX, which is not installed: pip install "ganstudio[tensorboard]"'
SCALAR_EVERY = 10  # steps between scalar rows written (see the module's docstring)
FLUSH_SECS = 10  # tensorboardX's writer thread writes the file this often; nothing waits for it
HPARAMS_FOLDER = "hparams"  # the sub-folder of a run's log holding its hyperparameters and final figures

HISTORY_TAGS = {
    "d_loss": "loss/d",
    "g_loss": "loss/g",
    "d_real": "d/real",
    "d_fake": "d/fake",
    "d_grad_norm": "grad_norm/d",
    "g_grad_norm": "grad_norm/g",
    "lr_d": "lr/d",
    "lr_g": "lr/g",
    "steps_per_s": "speed/steps_per_s",
}
FIGURES = (  # summary.json's numeric figures, the HParams table's metrics as final/<name>
    "last_step",
    "wall_time_s",
    "steps_per_s",
    "fid",
    "best_fid",
    "classes_covered",
    "recognisable_share",
    "class_accuracy",
    "modes_covered",
    "high_quality_share",
)
TEXT_TAGS = {EventKind.WARNING: "warnings"}  # every other kind of event is a change of the run's path
SAMPLES_TAG = "samples"

Series = dict[str, tuple[np.ndarray, np.ndarray]]  # {name: (steps (m,) int64, values (m,) float32)}


def scalar_tag(name: str) -> str:
    """The tag of a history field or insight series, e.g. "loss/d", "insight/fid"."""
    return HISTORY_TAGS.get(name, f"insight/{name}")


def tensorboardx_installed() -> bool:
    """Whether tensorboardX is installed, found without importing it (the window asks at launch)."""
    return importlib.util.find_spec("tensorboardX") is not None


def check_tensorboardx() -> None:
    """ConfigError with the install command unless tensorboardX can be imported."""
    try:
        import tensorboardX  # noqa: F401
    except ImportError:
        raise ConfigError(INSTALL_HINT) from None


def hparams(config: RunConfig) -> dict[str, float | int | bool | str]:
    """The starting config as TensorBoard hyperparameters: every dotted key, numbers and booleans
    as they are, everything else (lists, names) in words as `runs show` prints it."""
    out: dict[str, float | int | bool | str] = {}
    for key in keys():
        value = config.get(key)
        out[key] = value if isinstance(value, (bool, int, float)) else value_text(value)
    return out


def final_metrics(figures: dict[str, Any]) -> dict[str, float]:
    """{final/<figure>: value} of the measured numeric FIGURES in `figures` (summary.json's)."""
    return {f"final/{name}": float(figures[name]) for name in FIGURES if isinstance(figures.get(name), (int, float))}


class TensorBoardLog:
    """One run's TensorBoard log in `folder` (created if missing).

    after: the last step already logged (a resumed run's step; -1 for a new run): older rows and
    frames are not written again; known_events: the events already logged (a resumed run's)."""

    def __init__(self, folder: Path, *, after: int = -1, known_events: Iterable[Event] = ()) -> None:
        check_tensorboardx()
        from tensorboardX import SummaryWriter

        self.folder = Path(folder)
        self._writer = SummaryWriter(str(self.folder), flush_secs=FLUSH_SECS, max_queue=1000)
        self._scalars_to = int(after)  # the step of the newest scalar row written
        self._last_row: dict[str, float] = {}  # the newest row seen, written at close unless it was
        self._last_row_step = int(after)
        self._insight_to = int(after)
        self._frames_to = int(after)
        self._events = set(known_events)

    def write(self, series: Series, frame_steps: np.ndarray, frames: Sequence[np.ndarray], events: Iterable[Event]) -> None:
        """Write what is new: scalar rows of `series` (history fields and insight series, as
        :meth:`History.all_series` and :meth:`InsightTracker.series` give them), frames (uint8
        (H, W), at `frame_steps` (f,) int64) and events. A revert or a rollback among the new
        events takes the log back to its step, so the steps trained again are written again."""
        self._events_to_text(events)
        history = {name: series[name] for name in HISTORY_TAGS if name in series}
        insight = {name: s for name, s in series.items() if name not in HISTORY_TAGS}
        if history:
            self._history_rows(history)
        if insight:
            self._insight_points(insight)
        for step, frame in zip(np.asarray(frame_steps).tolist(), frames):
            if step > self._frames_to:
                self._add_image(step, frame)

    def close(self, config: RunConfig, figures: dict[str, Any]) -> None:
        """Write the run's last scalar row (when the stride skipped it), `config` as the
        hyperparameters with `figures` (summary.json's) as their metrics, and close the files."""
        if self._last_row_step > self._scalars_to:
            self._add_row(self._last_row_step, self._last_row)
        self._writer.add_hparams(hparams(config), final_metrics(figures), name=HPARAMS_FOLDER)
        self._writer.close()

    def _events_to_text(self, events: Iterable[Event]) -> None:
        for event in events:
            if event in self._events:
                continue
            self._events.add(event)
            if event.kind in (EventKind.REVERT, EventKind.DIVERGED):  # the run went back to event.step
                self._scalars_to = min(self._scalars_to, event.step)
                self._insight_to = min(self._insight_to, event.step)
                self._frames_to = min(self._frames_to, event.step)
            self._writer.add_text(TEXT_TAGS.get(event.kind, "changes"), event.label, event.step)

    def _history_rows(self, history: Series) -> None:
        """The rows of `history` ({field: (steps, values)}, the fields sharing the steps) newer
        than the last written, the first of each block of SCALAR_EVERY steps (steps 1, 10, 20, ...;
        every bucket of the history's folded past)."""
        names = list(history)
        steps = history[names[0]][0]
        first = int(np.searchsorted(steps, self._scalars_to, side="right"))
        if first == len(steps):
            return
        table = np.stack([history[name][1][first:] for name in names], axis=1)  # (rows, fields)
        for step, row in zip(steps[first:].tolist(), table.tolist()):
            if step // SCALAR_EVERY > self._scalars_to // SCALAR_EVERY:
                self._add_row(step, dict(zip(names, row)))
        self._last_row_step, self._last_row = int(steps[-1]), dict(zip(names, table[-1].tolist()))

    def _insight_points(self, insight: Series) -> None:
        """Every point of the insight series newer than the last written (they come every
        run.insight_every steps, so none is skipped); NaN (not measured) is left out."""
        newest = self._insight_to
        for name, (steps, values) in insight.items():
            for step, value in zip(steps.tolist(), values.tolist()):
                if step > self._insight_to and np.isfinite(value):
                    self._writer.add_scalar(scalar_tag(name), value, step)
                newest = max(newest, step)
        self._insight_to = newest

    def _add_image(self, step: int, frame: np.ndarray) -> None:
        """A sample grid (uint8 (H, W)) as a grayscale PNG: `add_image` would encode it as RGB, 8x the
        time of the training thread for the same picture."""
        from tensorboardX.proto.summary_pb2 import Summary

        buffer = io.BytesIO()
        Image.fromarray(frame).save(buffer, format="PNG")
        height, width = frame.shape
        image = Summary.Image(height=height, width=width, colorspace=1, encoded_image_string=buffer.getvalue())
        self._writer.file_writer.add_summary(Summary(value=[Summary.Value(tag=SAMPLES_TAG, image=image)]), step)
        self._frames_to = step

    def _add_row(self, step: int, row: dict[str, float]) -> None:
        """One event holding every finite field of a history row."""
        from tensorboardX.proto.summary_pb2 import Summary

        values = [Summary.Value(tag=HISTORY_TAGS[name], simple_value=value) for name, value in row.items() if np.isfinite(value)]
        self._writer.file_writer.add_summary(Summary(value=values), step)
        self._scalars_to = step
