"""MP4 (H.264) export of recorded training frames, through the optional imageio-ffmpeg.

Frames are composed exactly as for the GIF, then padded with black to multiples of 16 pixels
(otherwise ffmpeg rescales them and blurs the pixel grid), and sent to ffmpeg as raw gray
frames. ffmpeg does not report a failure when it closes, so the written file is checked by
counting its frames before it replaces the target.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np

from ganstudio.files.atomic import WriteError, atomic_path
from ganstudio.media.compose import FrameComposer
from ganstudio.media.losspanel import LossPanel

MACRO_BLOCK = 16
MISSING_FFMPEG = "MP4 export needs the optional extra: pip install 'ganstudio[mp4]'"


def ffmpeg() -> ModuleType:
    """The imageio_ffmpeg module; WriteError with the install hint when it is not installed
    (callers may ask before any work)."""
    try:
        import imageio_ffmpeg
    except ImportError as exc:
        raise WriteError(MISSING_FFMPEG) from exc
    return imageio_ffmpeg


def write_mp4(
    path: str | os.PathLike[str],
    frames: Sequence[np.ndarray],
    steps: Sequence[int] | np.ndarray | None = None,
    *,
    fps: float = 10.0,
    scale: int = 2,
    label: bool = False,
    start: int = 0,
    stop: int | None = None,
    loss_panel: LossPanel | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write `frames[start:stop]` as an H.264 MP4 (yuv420p) at `path`; return the path.

    Arguments as for `write_gif` (no loop: videos do not loop). The frame size is the GIF's
    rounded up to multiples of 16. Raises WriteError when imageio-ffmpeg is not installed,
    when ffmpeg fails, or on any I/O failure; the file appears complete or not at all.
    """
    imageio_ffmpeg = ffmpeg()
    if not fps > 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    composer = FrameComposer(
        frames,
        steps,
        scale=scale,
        label=label,
        start=start,
        stop=stop,
        loss_panel=loss_panel,
        block=MACRO_BLOCK,
    )
    total = len(composer)
    height, width = composer.shape
    target = Path(path)
    with atomic_path(target) as staged:
        writer = imageio_ffmpeg.write_frames(
            str(staged),
            (width, height),
            pix_fmt_in="gray",
            fps=float(fps),
            codec="libx264",
            macro_block_size=MACRO_BLOCK,
            ffmpeg_log_level="error",
            output_params=["-f", "mp4"],
        )
        writer.send(None)
        try:
            for i in range(total):
                writer.send(composer[i])
                if progress is not None:
                    progress(i + 1, total)
        finally:
            writer.close()
        _check_frame_count(imageio_ffmpeg, staged, total, target)
    return target


def _check_frame_count(imageio_ffmpeg: ModuleType, staged: Path, expected: int, target: Path) -> None:
    """Raise WriteError unless the video at `staged` decodes to `expected` frames."""
    try:
        found, _ = imageio_ffmpeg.count_frames_and_secs(str(staged))
    except RuntimeError as exc:
        found, detail = 0, str(exc).strip().splitlines()[-1]
    else:
        detail = f"ffmpeg wrote {found} of {expected} frames"
    if found != expected:
        raise WriteError(f"Could not write {str(target)!r}: {detail}")
