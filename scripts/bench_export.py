"""Time and size the GIF export of a recording: by default 300 frames of an 8x8 grid of 28x28 digits.

The default recording is synthetic and the worst case for compression: real MNIST digits (from
../shared/data/mnist when present, otherwise digits drawn with the built-in font) fading in
from fresh noise in every frame. `--checkpoint RUN/checkpoint.npz` takes a real run's recorded
frames instead. Each export is at scale 2: the GIF with no size limit (exact), then with the
10 MB limit that `train --gif` and the Export dialog start from (plain, with the label, with
label and loss panel), and MP4 when imageio-ffmpeg is installed. Prints wall and CPU seconds,
the size and what the limit took.

    python scripts/bench_export.py [--frames 300] [--checkpoint RUN/checkpoint.npz] [--out DIR]
"""

from __future__ import annotations

import argparse
import gzip
import tempfile
import time
from pathlib import Path

import numpy as np

from ganstudio.files.atomic import WriteError
from ganstudio.media import LossPanel, write_gif, write_mp4
from ganstudio.media.gif_budget import DEFAULT_MAX_MB
from ganstudio.record.frames import FrameRecorder
from ganstudio.render import draw_text, make_grid
from ganstudio.run.checkpoint import Checkpoint

MNIST_IMAGES = Path(__file__).resolve().parents[2] / "shared/data/mnist/train-images-idx3-ubyte.gz"


def digits(n: int) -> np.ndarray:
    """n digit images in [-1, 1]: float32 (n, 784)."""
    if MNIST_IMAGES.exists():
        with gzip.open(MNIST_IMAGES) as fh:
            raw = np.frombuffer(fh.read(16 + n * 784), dtype=np.uint8, offset=16)
        return raw.reshape(n, 784).astype(np.float32) / 127.5 - 1.0
    canvas = np.zeros((n, 28, 28), dtype=np.uint8)
    for i in range(n):
        draw_text(canvas[i], str(i % 10), 4, 0, scale=3, background=None)
    return canvas.reshape(n, 784).astype(np.float32) / 127.5 - 1.0


def recording(n_frames: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Grids of 64 digits emerging from noise: n_frames uint8 (233, 233), steps (n_frames,)."""
    rng = np.random.default_rng(0)
    target = digits(64)
    frames = []
    for k in range(n_frames):
        a = k / max(n_frames - 1, 1)
        noise = rng.uniform(-1.0, 1.0, target.shape).astype(np.float32)
        frames.append(make_grid(a * target + (1.0 - a) * noise, (28, 28)))
    return frames, np.arange(n_frames, dtype=np.int64) * 100


def recorded(checkpoint: Path) -> tuple[list[np.ndarray], np.ndarray]:
    """The frames a run recorded (and their steps), from its checkpoint."""
    recorder = FrameRecorder()
    recorder.load_state_dict(Checkpoint(checkpoint).section("recorder"))
    steps, frames = recorder.snapshot()
    return frames, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300, help="frames of the synthetic recording")
    parser.add_argument("--checkpoint", type=Path, help="bench on this run's recorded frames instead")
    parser.add_argument("--out", type=Path, default=None, help="keep the files here")
    args = parser.parse_args()
    if args.checkpoint:
        frames, steps = recorded(args.checkpoint)
        source = f"recorded by {args.checkpoint}"
    else:
        frames, steps = recording(args.frames)
        source = f"synthetic, {'MNIST' if MNIST_IMAGES.exists() else 'font'} digits from fresh noise"
    history = np.arange(int(steps[-1]) + 1)
    rng = np.random.default_rng(1)
    panel = LossPanel(
        history,
        0.7 + 0.3 * np.exp(-history / 5000) + 0.05 * rng.normal(size=history.size),
        0.7 + 2.0 * np.exp(-history / 3000) + 0.2 * rng.normal(size=history.size),
    )
    print(f"{len(frames)} frames of {frames[0].shape[0]}x{frames[0].shape[1]}, scale 2 ({source})")
    limit = {"max_mb": DEFAULT_MAX_MB}
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        runs = [
            ("gif, no limit", write_gif, {}),
            ("gif + label, no limit", write_gif, {"label": True}),
            (f"gif, {DEFAULT_MAX_MB:g} MB", write_gif, limit),
            (f"gif + label, {DEFAULT_MAX_MB:g} MB", write_gif, {"label": True, **limit}),
            (f"gif + label + panel, {DEFAULT_MAX_MB:g} MB", write_gif, {"label": True, "loss_panel": panel, **limit}),
            ("mp4 + label + panel", write_mp4, {"label": True, "loss_panel": panel}),
        ]
        for i, (name, writer, extra) in enumerate(runs):
            path = out / f"bench{i}.{name[:3]}"
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                result = writer(path, frames, steps, scale=2, **extra)
            except WriteError as exc:
                print(f"{name:28s} skipped: {exc}")
                continue
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            what = result.plan.describe() if writer is write_gif else ""
            print(f"{name:28s} {wall:5.2f} s ({cpu:4.2f} s CPU) {path.stat().st_size / 1e6:6.1f} MB  {what}")


if __name__ == "__main__":
    main()
