"""The GIF byte stream: a gray palette, the container, and each frame as a changed rectangle.

Pillow's GIF saver merges identical consecutive frames and sums their delays, so an
animation can come out with fewer frames than asked for, and no option turns that off. This
encoder therefore lays out the GIF container itself and uses Pillow only to LZW-code each
frame (`Image.tobytes("gif", rawmode, bits)`: the encoder's arguments include the LZW code
size, which Pillow's own saver always sets to 8 bits).

Every frame is kept. After the first, only the rectangle that changed is stored ("do not
dispose", so the previous frame shows through), and an unchanged frame is a 1x1 patch. With
fewer than 256 gray levels the palette has a spare index meaning "unchanged" (transparent), and
the rectangle is written both ways, keeping the shorter: with that index where its pixels equal
the previous frame's (cheap when still areas are large), or opaque (cheaper when the unchanged
pixels are scattered among changed ones: a transparent pixel here and there breaks the strings
LZW has learned, and costs more than repeating the gray it stands for). The code size shrinks
with the palette.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

import numpy as np
from PIL import Image

from ganstudio.media.compose import FrameComposer

TRAILER = b";"


class GrayPalette:
    """`levels` evenly spaced grays (0 and 255 included) as a GIF color table.

    indices(native) maps gray values (uint8, any shape) to the nearest level's index;
    grays[index] is that level's gray value. Below 256 levels, index `levels` is the
    "unchanged" (transparent) index; at 256, `unchanged` is None. bits: the LZW code size
    (at least 2); table: the color table, padded to 2**bits entries. max_error: the largest
    |gray written - gray given| over all 256 gray values.
    """

    def __init__(self, levels: int) -> None:
        if not 2 <= levels <= 256:
            raise ValueError(f"gray levels must be in 2..256, got {levels}")
        self.levels = levels
        self.grays = np.rint(np.arange(levels) * (255.0 / (levels - 1))).astype(np.uint8)
        self._lut = np.rint(np.arange(256) * ((levels - 1) / 255.0)).astype(np.uint8)
        self.unchanged = levels if levels < 256 else None
        entries = levels + (self.unchanged is not None)
        self.bits = max(2, (entries - 1).bit_length())
        table = np.zeros((1 << self.bits, 3), dtype=np.uint8)
        table[:levels] = self.grays[:, None]
        self.table = table.tobytes()
        values = np.arange(256)
        self.max_error = int(np.abs(self.grays[self._lut].astype(int) - values).max())

    def indices(self, native: np.ndarray) -> np.ndarray:
        return self._lut[native]


class GifEncoder:
    """Encodes the frames of one `FrameComposer` as a looping GIF at `fps`.

    Works on the composer's native (not yet upscaled) frames: gray values become palette
    indices, the changed rectangle is found there, and only that patch is enlarged (Pillow,
    nearest neighbour) and LZW-coded. `frame_size` lets a planner price single frames;
    native frames it composes are kept until `encode` uses them.
    """

    def __init__(self, composer: FrameComposer, *, fps: float = 10.0, loop: int = 0) -> None:
        self.composer = composer
        self.fps = fps
        self.loop = loop
        self._natives: dict[int, np.ndarray] = {}

    def header(self, palette: GrayPalette) -> bytes:
        """Signature, screen descriptor with the global gray palette, and the loop extension."""
        height, width = self.composer.shape
        screen = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80 | (palette.bits - 1), 0, 0)
        netscape = b"!\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", self.loop) + b"\x00"
        return screen + palette.table + netscape

    def frame_size(self, palette: GrayPalette, index: int, before: int | None) -> int:
        """Bytes that frame `index` takes when it follows frame `before` (None: it is the first)."""
        previous = None if before is None else palette.indices(self._native(before))
        return len(self._frame(palette, palette.indices(self._native(index)), previous, 10))

    def encode(
        self,
        levels: int,
        keep: np.ndarray,
        progress: Callable[[int, int], None] | None = None,
        stop_above: int | None = None,
    ) -> tuple[bytes | None, int]:
        """(the GIF of frames `keep` at `levels` gray levels, its size in bytes).

        Stops as soon as the file would pass `stop_above` bytes and returns (None, the size
        all frames would take at the rate so far). progress(done, total) after each frame;
        an exception raised from it propagates.
        """
        palette = GrayPalette(levels)
        delays = np.diff(np.rint(np.arange(len(keep) + 1) * (100.0 / self.fps))).astype(int)
        chunks = [self.header(palette)]
        size = len(chunks[0]) + len(TRAILER)
        previous = None
        for done, (i, delay) in enumerate(zip(keep, delays), 1):
            native = self._natives.pop(int(i), None)
            indices = palette.indices(self.composer.native(int(i)) if native is None else native)
            chunks.append(self._frame(palette, indices, previous, int(delay)))
            size += len(chunks[-1])
            previous = indices
            if stop_above is not None and size > stop_above:
                return None, round(size * len(keep) / done)
            if progress is not None:
                progress(done, len(keep))
        chunks.append(TRAILER)
        return b"".join(chunks), size

    def _native(self, i: int) -> np.ndarray:
        if i not in self._natives:
            self._natives[i] = self.composer.native(i)
        return self._natives[i]

    def _frame(self, palette: GrayPalette, frame: np.ndarray, previous: np.ndarray | None, delay_cs: int) -> bytes:
        """One GIF frame (control extension, descriptor, LZW data) drawing `frame` over `previous`.

        frame, previous: palette indices, uint8 of the native shape.
        """
        y0 = x0 = 0
        patches = [frame]
        if previous is not None:
            changed = frame != previous
            rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
            if not rows.size:
                patches = [frame[:1, :1] if palette.unchanged is None else np.full((1, 1), palette.unchanged, np.uint8)]
            else:
                y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
                patches = [frame[y0:y1, x0:x1]]
                if palette.unchanged is not None:
                    patches.append(np.where(changed[y0:y1, x0:x1], patches[0], np.uint8(palette.unchanged)))
        scale = self.composer.scale
        height, width = (side * scale for side in patches[0].shape)
        data = min((self._lzw(patch, palette.bits) for patch in patches), key=len)
        transparent = palette.unchanged is not None
        control = b"!\xf9\x04" + struct.pack("<BHBB", 1 << 2 | transparent, delay_cs, palette.unchanged or 0, 0)
        descriptor = b"," + struct.pack("<HHHHBB", x0 * scale, y0 * scale, width, height, 0, palette.bits)
        return control + descriptor + data + b"\x00"

    def _lzw(self, patch: np.ndarray, bits: int) -> bytes:
        """The LZW data (255-byte sub-blocks, no terminator) of `patch` (palette indices, uint8
        (h, w)) enlarged `scale` times, nearest neighbour, with `bits`-bit codes."""
        image = Image.fromarray(np.ascontiguousarray(patch))
        scale = self.composer.scale
        if scale > 1:
            image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
        return image.tobytes("gif", "L", bits)
