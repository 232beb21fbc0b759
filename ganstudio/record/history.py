"""Training history with bounded memory for arbitrarily long runs.

The most recent `window` steps are kept at full resolution in a ring buffer. Older steps are
folded into buckets holding min, mean and max of each field over a run of steps; when there are
more than `max_buckets` buckets, neighbours merge pairwise (a bucket then spans twice as many
steps). A million steps cost a few megabytes. Live changes ("events": lr 2e-4 -> 1e-3 at step
N) are kept in a list beside the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import Enum

import numpy as np

from ganstudio.engine.gan import StepMetrics

METRICS = tuple(f.name for f in fields(StepMetrics))  # what one iteration reports
FIELDS = (*METRICS, "steps_per_s")  # one history column each, in this order


class EventKind(Enum):
    """What happened at an event's step. The fields an event fills depend on its kind:
    CHANGE: `key` (a dotted config key), `old` and `new` values as text;
    REBUILD: `key` the network ("g", "d" or "both"), `new` what changed ("hidden [128] -> [256]"; may be empty);
    REVERT: `new` the label of the change that was undone (may be empty);
    DIVERGED: `old` the step that blew up, `new` what was not finite ("G loss is nan");
    WARNING: `key` the warning's title."""

    CHANGE = "change"
    REBUILD = "rebuild"
    REVERT = "revert"
    DIVERGED = "diverged"
    WARNING = "warning"


@dataclass(frozen=True)
class Event:
    """A live change, a rebuild, a revert, a divergence or a warning, at a step."""

    step: int
    kind: EventKind
    key: str = ""
    old: str = ""
    new: str = ""

    @property
    def label(self) -> str:
        """The event in words, e.g. "optimizer.g.lr 0.0002 -> 0.001", "rebuilt G: hidden [128] -> [256]"."""
        match self.kind:
            case EventKind.CHANGE:
                return f"{self.key} {self.old} -> {self.new}"
            case EventKind.REBUILD:
                networks = "G and D" if self.key == "both" else self.key.upper()
                return f"rebuilt {networks}" + (f": {self.new}" if self.new else "")
            case EventKind.REVERT:
                return "reverted" + (f" {self.new}" if self.new else "")
            case EventKind.DIVERGED:
                return f"diverged at step {self.old}, restored step {self.step}"
            case EventKind.WARNING:
                return f"warning: {self.key}"


def _legacy_event(step: int, key: str, old: str, new: str) -> Event:
    """An event of a checkpoint written before events had kinds (their kind was in the text)."""
    if old or new:
        return Event(step, EventKind.CHANGE, key, old, new)
    if key.startswith("warning: "):
        return Event(step, EventKind.WARNING, key[len("warning: ") :])
    if key.startswith("rebuilt "):
        network, _, detail = key[len("rebuilt ") :].partition(": ")
        return Event(step, EventKind.REBUILD, network.lower(), new=detail)
    if key.startswith("diverged at step "):
        return Event(step, EventKind.DIVERGED, old=key.split()[3].rstrip(","))
    return Event(step, EventKind.REVERT, new=key[len("reverted ") :] if key.startswith("reverted ") else "")


class History:
    """Per-step values of FIELDS. `append` costs one row write; reads build new arrays."""

    def __init__(self, window: int = 20_000, bucket: int = 100, max_buckets: int = 20_000) -> None:
        self.window = int(window)
        self.bucket = int(bucket)
        self.max_buckets = int(max_buckets)
        self.clear()

    def clear(self) -> None:
        n = len(FIELDS)
        self._recent = np.zeros((self.window, n), np.float32)
        self._recent_steps = np.zeros(self.window, np.int64)
        self._start = 0  # ring index of the oldest recent row
        self._count = 0
        # Buckets: steps (first, last) and (min, mean, max) per field.
        self._b_steps = np.zeros((0, 2), np.int64)
        self._b_stats = np.zeros((0, 3, n), np.float32)
        self.events: list[Event] = []

    def __len__(self) -> int:
        """Steps recorded (recent plus those folded into buckets)."""
        return self._count + int((self._b_steps[:, 1] - self._b_steps[:, 0] + 1).sum()) if len(self._b_steps) else self._count

    @property
    def last_step(self) -> int:
        if self._count:
            return int(self._recent_steps[(self._start + self._count - 1) % self.window])
        return int(self._b_steps[-1, 1]) if len(self._b_steps) else -1

    def append(self, step: int, metrics: StepMetrics, steps_per_s: float) -> None:
        """One row: the iteration's metrics and the training speed at `step`."""
        if self._count == self.window:
            self._fold_oldest()
        i = (self._start + self._count) % self.window
        row = self._recent[i]
        for j, name in enumerate(METRICS):
            row[j] = getattr(metrics, name)
        row[-1] = steps_per_s
        self._recent_steps[i] = step
        self._count += 1

    def add_event(self, step: int, kind: EventKind, key: str = "", old: str = "", new: str = "") -> Event:
        event = Event(int(step), kind, key, old, new)
        self.events.append(event)
        return event

    def _ordered(self) -> tuple[np.ndarray, np.ndarray]:
        idx = (self._start + np.arange(self._count)) % self.window
        return self._recent_steps[idx], self._recent[idx]

    def _fold_oldest(self) -> None:
        """Turn the oldest `bucket` recent rows into one bucket."""
        idx = (self._start + np.arange(self.bucket)) % self.window
        rows = self._recent[idx]
        steps = self._recent_steps[idx]
        stats = np.stack([rows.min(0), rows.mean(0), rows.max(0)])[None]
        self._b_steps = np.concatenate([self._b_steps, [[steps[0], steps[-1]]]])
        self._b_stats = np.concatenate([self._b_stats, stats])
        self._start = (self._start + self.bucket) % self.window
        self._count -= self.bucket
        if len(self._b_steps) > self.max_buckets:
            self._merge_buckets()

    def _merge_buckets(self) -> None:
        """Merge neighbouring buckets pairwise (an odd last one stays)."""
        n = len(self._b_steps) // 2 * 2
        s, st = self._b_steps, self._b_stats
        merged_steps = np.stack([s[0:n:2, 0], s[1:n:2, 1]], axis=1)
        w0 = (s[0:n:2, 1] - s[0:n:2, 0] + 1)[:, None].astype(np.float32)
        w1 = (s[1:n:2, 1] - s[1:n:2, 0] + 1)[:, None].astype(np.float32)
        merged = np.stack(
            [
                np.minimum(st[0:n:2, 0], st[1:n:2, 0]),
                (st[0:n:2, 1] * w0 + st[1:n:2, 1] * w1) / (w0 + w1),
                np.maximum(st[0:n:2, 2], st[1:n:2, 2]),
            ],
            axis=1,
        )
        self._b_steps = np.concatenate([merged_steps, s[n:]])
        self._b_stats = np.concatenate([merged, st[n:]])

    def series(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(steps (m,) int64, values (m,) float32) for a field: bucket means (at each bucket's
        middle step) followed by the recent full-resolution values."""
        j = FIELDS.index(name)
        steps, rows = self._ordered()
        b_mid = (self._b_steps[:, 0] + self._b_steps[:, 1]) // 2
        return np.concatenate([b_mid, steps]), np.concatenate([self._b_stats[:, 1, j], rows[:, j]])

    def all_series(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """{field: (steps, values)} for every field, as :meth:`series` gives them, from one pass
        over the ring buffer (what a snapshot needs, several times a second)."""
        steps, rows = self._ordered()
        b_mid = (self._b_steps[:, 0] + self._b_steps[:, 1]) // 2
        all_steps = np.concatenate([b_mid, steps])
        table = np.concatenate([self._b_stats[:, 1, :], rows])  # (m, fields)
        return {name: (all_steps, np.ascontiguousarray(table[:, j])) for j, name in enumerate(FIELDS)}

    def latest(self) -> dict[str, float] | None:
        if not self._count:
            return None
        i = (self._start + self._count - 1) % self.window
        return dict(zip(FIELDS, (float(v) for v in self._recent[i])))

    def truncate_after(self, step: int) -> None:
        """Forget everything recorded after `step` (a revert went back to it)."""
        steps, rows = self._ordered()
        keep = steps <= step
        keep_b = self._b_steps[:, 0] <= step
        self._b_steps, self._b_stats = self._b_steps[keep_b], self._b_stats[keep_b]
        self._recent[: keep.sum()] = rows[keep]
        self._recent_steps[: keep.sum()] = steps[keep]
        self._start, self._count = 0, int(keep.sum())
        self.events = [e for e in self.events if e.step <= step]

    def columns(self) -> dict[str, np.ndarray]:
        """Everything as CSV-ready columns: step, then each field (bucket means for the past)."""
        return csv_columns(self.all_series())

    def nbytes(self) -> int:
        return self._recent.nbytes + self._recent_steps.nbytes + self._b_steps.nbytes + self._b_stats.nbytes

    # -- checkpoints --------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        steps, rows = self._ordered()
        return {
            "recent_steps": steps,
            "recent": rows,
            "bucket_steps": self._b_steps.copy(),
            "bucket_stats": self._b_stats.copy(),
            "event_steps": np.array([e.step for e in self.events], np.int64),
            "event_kinds": np.array([e.kind.value for e in self.events], dtype=str),
            "event_text": np.array([[e.key, e.old, e.new] for e in self.events], dtype=str).reshape(-1, 3),
        }

    def load_state_dict(self, d: dict[str, np.ndarray]) -> None:
        n = len(d["recent_steps"])
        if n > self.window:
            raise ValueError("history window smaller than the saved one")
        self.clear()
        self._recent[:n] = d["recent"]
        self._recent_steps[:n] = d["recent_steps"]
        self._count = n
        self._b_steps = np.asarray(d["bucket_steps"], np.int64).reshape(-1, 2)
        self._b_stats = np.asarray(d["bucket_stats"], np.float32).reshape(-1, 3, len(FIELDS))
        text = [(int(s), str(k), str(o), str(w)) for s, (k, o, w) in zip(d["event_steps"], d["event_text"])]
        if "event_kinds" in d:
            self.events = [Event(s, EventKind(str(kind)), k, o, w) for kind, (s, k, o, w) in zip(d["event_kinds"], text)]
        else:
            self.events = [_legacy_event(*row) for row in text]


def csv_columns(series: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, np.ndarray]:
    """The history's CSV columns from its series ({field: (steps, values)}, as
    :meth:`History.all_series` or a snapshot gives them): step, then every field in FIELDS
    order (the fields share the steps). `train`'s history.csv and the window's export both use it."""
    steps, _ = series[FIELDS[0]]
    return {"step": steps, **{name: series[name][1] for name in FIELDS}}
