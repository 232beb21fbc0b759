"""Comparing 2 to 8 kept runs: their curves on one step axis, their recorded grids at one step,
each run named by what differs, and plain notes on what cannot be compared. No Qt: the compare
window (ganstudio.gui.compare.compare_view) and `ganstudio compare` both build on :class:`Comparison`.

A run's data comes from its run folder: run.toml (name, starting config, change log) and the
checkpoint's history (with its bucketed past), recorded frames and insight series; the weights
are not read. A run folder without a readable checkpoint still compares: it has no curves or
grids, and a note says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ganstudio.data.toys import TOY_NAMES
from ganstudio.insight.report import reads_digits
from ganstudio.insight.tracker import SERIES, InsightTracker
from ganstudio.media.gif import GifResult, write_gif
from ganstudio.media.gif_budget import thinned
from ganstudio.media.side_by_side import SideBySide
from ganstudio.record.frames import FrameRecorder
from ganstudio.record.history import Event, History
from ganstudio.run.checkpoint import Checkpoint, CheckpointError
from ganstudio.run.state import section
from ganstudio.runs.configdiff import SEPARATOR, labels
from ganstudio.runs.layout import CHECKPOINT
from ganstudio.runs.library import Run, RunsError, read_run

MIN_RUNS, MAX_RUNS = 2, 8
MAX_FRAMES = 300  # the GIF's steps: the union of the runs' frame steps, thinned to this many (each frame is held)
KIND_FIGURES = {"digits": "FID and classes covered", "modes": "modes covered and the high-quality share", None: "diversity only"}

Series = dict[str, tuple[np.ndarray, np.ndarray]]  # {name: (steps (m,) int64, values (m,) float32)}


@dataclass
class RunData:
    """One compared run. series: its history fields (ganstudio.record.history.FIELDS) and its insight
    series (those of `kind`), each (steps, values); frame_steps: int64 (n,) of its recorded
    frames, uint8 (H, W) each; events: its history's events (changes, warnings); stride: the steps
    between recordings now (0 without a checkpoint); problem: why it has no data ("" when it has)."""

    run: Run
    label: str = ""
    kind: str | None = None
    series: Series = field(default_factory=dict)
    frame_steps: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    frames: list[np.ndarray] = field(default_factory=list)
    events: tuple[Event, ...] = ()
    stride: int = 0
    last_step: int = 0
    problem: str = ""

    @property
    def name(self) -> str:
        return self.run.name

    def frame_index(self, step: int) -> int | None:
        """Index of this run's recorded frame nearest at or before `step`; None when there is none."""
        i = int(np.searchsorted(self.frame_steps, step, side="right")) - 1
        return i if i >= 0 else None


def insight_kind(run: Run) -> str | None:
    """The figures measured for a run's dataset: "digits", "modes" (2D toys) or None (diversity)."""
    config = run.config
    if reads_digits(config.data.dataset, config.image_shape):
        return "digits"
    return "modes" if config.data.dataset in TOY_NAMES else None


def load_run(folder: Path) -> RunData:
    """A run folder's run.toml and the history, frames and insight of its checkpoint; a missing
    or unreadable checkpoint leaves the data empty, with `problem` saying why."""
    run = read_run(folder)
    data = RunData(run, kind=insight_kind(run), last_step=run.last_step)
    try:
        ckpt = Checkpoint(folder / CHECKPOINT, sections=("history", "recorder", "insight"))
        saved = section(ckpt.arrays, "history")
        history = History(window=max(1, len(saved["recent_steps"])))
        history.load_state_dict(saved)
        recorder = FrameRecorder()
        recorder.load_state_dict(section(ckpt.arrays, "recorder"))
        insight = InsightTracker()
        insight.load_state_dict(section(ckpt.arrays, "insight"))
    except CheckpointError as exc:
        data.problem = "no checkpoint yet" if not (folder / CHECKPOINT).exists() else str(exc)
        return data
    except (KeyError, ValueError) as exc:
        data.problem = f"{folder / CHECKPOINT}: damaged checkpoint ({exc})"
        return data
    data.series = {**history.all_series(), **insight.series(data.kind)}
    data.frame_steps, data.frames = recorder.snapshot()
    data.events = tuple(history.events)
    data.stride = recorder.stride
    data.last_step = max(ckpt.step, run.last_step)
    return data


def check_count(n: int) -> None:
    """RunsError unless MIN_RUNS <= n <= MAX_RUNS."""
    if not MIN_RUNS <= n <= MAX_RUNS:
        raise RunsError(f"compare takes {MIN_RUNS} to {MAX_RUNS} runs, got {n}")


class Comparison:
    """2 to 8 runs side by side. runs: RunData, labelled by what differs; notes: what cannot
    be compared, in words; steps: int64 (s,) the union of the runs' recorded frame steps (the
    scrub axis)."""

    def __init__(self, runs: list[RunData]) -> None:
        check_count(len(runs))
        for data, label in zip(runs, labels([d.name for d in runs], [d.run.config for d in runs])):
            data.label = label
        self.runs = runs
        self.steps = np.unique(np.concatenate([d.frame_steps for d in runs])).astype(np.int64)
        self.notes = notes(runs)

    @classmethod
    def load(cls, folders: list[Path]) -> Comparison:
        check_count(len(folders))  # before reading any
        return cls([load_run(Path(f)) for f in folders])

    @property
    def kinds(self) -> list[str | None]:
        """The insight kinds among the runs, in the order of SERIES."""
        present = {d.kind for d in self.runs}
        return [k for k in SERIES if k in present]

    def frames_at(self, step: int) -> list[tuple[np.ndarray | None, int | None]]:
        """Per run: (its frame nearest at or before `step`, that frame's step), (None, None) when none."""
        out = []
        for data in self.runs:
            i = data.frame_index(step)
            out.append((None, None) if i is None else (data.frames[i], int(data.frame_steps[i])))
        return out


def gif_frames(comparison: Comparison) -> tuple[list[np.ndarray], np.ndarray, SideBySide]:
    """The compare GIF's pictures: at each step of the union of the runs' frame steps (thinned
    evenly to at most MAX_FRAMES, the last kept), every run's grid side by side under its label
    (SideBySide); returns (pictures uint8 (H, W) each, their steps int64 (s,), the layout).
    RunsError when no run has a recorded frame."""
    steps = comparison.steps
    if not len(steps):
        raise RunsError("none of the runs has recorded frames: there is no GIF to make")
    steps = steps[thinned(len(steps), -(-len(steps) // MAX_FRAMES))]
    shapes = np.array([f.shape for d in comparison.runs for f in d.frames])
    layout = SideBySide([d.label.replace(SEPARATOR, ", ") for d in comparison.runs], tuple(shapes.max(axis=0)))
    pictures = []
    for step in steps:
        at = comparison.frames_at(int(step))
        captions = [_caption(d, frame_step, int(step)) for d, (_, frame_step) in zip(comparison.runs, at)]
        pictures.append(layout.compose([grid for grid, _ in at], captions))
    return pictures, steps, layout


def _caption(data: RunData, frame_step: int | None, step: int) -> str:
    """What a run's panel says under its label at `step`: its own frame's step when older."""
    if not data.frames:
        return "no frames"
    if frame_step is None:
        return "no frame yet"
    return "" if frame_step == step else f"at step {frame_step:,}"


def export_gif(
    comparison: Comparison, path: str | Path, *, fps: float = 10.0, scale: int = 2, max_mb: float | None = None, progress=None
) -> GifResult:
    """Write the grids side by side (:func:`gif_frames`) as a GIF with "step N" above them, with
    ganstudio.media.gif.write_gif (its size budget `max_mb`, None for none); returns its GifResult."""
    pictures, steps, _ = gif_frames(comparison)
    return write_gif(path, pictures, steps, fps=fps, scale=scale, label=True, max_mb=max_mb, progress=progress)


# Runs of different lengths are noted only when the shorter ones stand still (past their ends)
# over more than this share of the timeline: two 30 s runs some 70 steps apart compare as they are.
LENGTHS_NOTED = 0.05


def notes(runs: list[RunData]) -> list[str]:
    """What cannot be compared among `runs`, one plain sentence each (empty when all compares)."""
    out = [f"{d.name}: {d.problem}; nothing to plot or show." for d in runs if d.problem]
    usable = [d for d in runs if not d.problem]
    by_kind: dict[str | None, list[str]] = {}
    for d in runs:
        by_kind.setdefault(d.kind, []).append(d.name)
    if len(by_kind) > 1:
        parts = [f"{KIND_FIGURES[kind]} for {_names(names)}" for kind, names in by_kind.items()]
        out.append(f"Different kinds of data: {'; '.join(parts)}. Each figure is plotted for the runs that have it.")
    datasets: dict[str, list[str]] = {}
    for d in runs:
        datasets.setdefault(d.run.config.data.dataset, []).append(d.name)
    if len(datasets) > 1 and len(by_kind) == 1:
        listed = "; ".join(f"{name}: {_names(names)}" for name, names in datasets.items())
        out.append(f"Different datasets ({listed}): the quality figures are measured against different data.")
    ends = {d.last_step for d in usable}
    if len(ends) > 1 and max(ends) - min(ends) > LENGTHS_NOTED * max(ends):
        listed = ", ".join(f"{d.name} {d.last_step:,}" for d in usable)
        out.append(f"Runs of different lengths (last step: {listed}): past its end, a run shows its last frame.")
    strides = {d.stride for d in usable if len(d.frames)}
    if len(strides) > 1:
        listed = ", ".join(f"{d.name} every {d.stride:,}" for d in usable if len(d.frames))
        out.append(f"Frames recorded at different intervals ({listed}): each run shows its latest frame at or before the step.")
    out += [f"{d.name}: no recorded frames; no grid to show." for d in usable if not len(d.frames)]
    for d in usable:
        names = SERIES[d.kind] if d.kind else ()
        if names and not any(len(d.series[n][0]) for n in names):
            out.append(f"{d.name}: no quality figures measured yet (insight every {d.run.config.run.insight_every:,} steps).")
    for d in runs:
        if d.run.changes:
            count = len(d.run.changes)
            out.append(f"{d.name}: {count} live change{'s' if count != 1 else ''}; its label names its starting config.")
    return out


def _names(names: list[str]) -> str:
    return ", ".join(names)
