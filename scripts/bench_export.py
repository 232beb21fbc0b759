"""Time the GIF export of a typical recording: 300 frames of an 8x8 grid of 28x28 digits.

Frames are real MNIST digits (from ../shared/data/mnist when present, otherwise digits drawn
with the built-in font) fading in from noise, as a training run looks. Each grid is 233x233
(pad 1) and is exported at scale 2, as plain frames, with labels, and with labels plus the
loss panel; MP4 too when imageio-ffmpeg is installed. Prints seconds per export.

    python scripts/bench_export.py [--frames 300] [--out DIR]
"""

from __future__ import annotations

import argparse
import gzip
import tempfile
import time
from pathlib import Path

import numpy as np

from ganstudio.export import LossPanel, draw_text, make_grid, write_gif, write_mp4
from ganstudio.export.errors import ExportError

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--out", type=Path, default=None, help="keep the files here")
    args = parser.parse_args()
    frames, steps = recording(args.frames)
    history = np.arange(int(steps[-1]) + 1)
    rng = np.random.default_rng(1)
    panel = LossPanel(
        history,
        0.7 + 0.3 * np.exp(-history / 5000) + 0.05 * rng.normal(size=history.size),
        0.7 + 2.0 * np.exp(-history / 3000) + 0.2 * rng.normal(size=history.size),
    )
    print(f"{len(frames)} frames of {frames[0].shape[0]}x{frames[0].shape[1]}, scale 2"
          f" ({'MNIST' if MNIST_IMAGES.exists() else 'font digits'})")
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        runs = [
            ("gif", write_gif, {}),
            ("gif + label", write_gif, {"label": True}),
            ("gif + label + loss panel", write_gif, {"label": True, "loss_panel": panel}),
            ("mp4 + label + loss panel", write_mp4, {"label": True, "loss_panel": panel}),
        ]
        for i, (name, writer, extra) in enumerate(runs):
            path = out / f"bench{i}.{name[:3]}"
            t0 = time.perf_counter()
            try:
                writer(path, frames, steps, scale=2, **extra)
            except ExportError as exc:
                print(f"{name:26s} skipped: {exc}")
                continue
            seconds = time.perf_counter() - t0
            print(f"{name:26s} {seconds:6.2f} s  {path.stat().st_size / 1e6:6.1f} MB")


if __name__ == "__main__":
    main()
