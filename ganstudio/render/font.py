"""A tiny built-in 5x7 bitmap font, so labels look the same everywhere (no system fonts).

Each glyph is a token: the character, then seven rows of five pixels, each row two hex
digits whose low five bits are the pixels (most significant bit leftmost); the space is blank.
Characters advance by six pixels, and a label box adds `scale` pixels of margin all round.
"""

from __future__ import annotations

import numpy as np

GLYPH_W, GLYPH_H = 5, 7

_GLYPHS = """
!04040404000004 "0a0a0a00000000 #0a0a1f0a1f0a0a $040f140e051e04 %18190204081303 &0c12140815120d
'0c040800000000 (02040808080402 )08040202020408 *0004150e150400 +0004041f040400 ,000000000c0408
-0000001f000000 .00000000000c0c /00010204081000 00e11131519110e 1040c040404040e 20e11010204081f
31f02040201110e 402060a121f0202 51f101e0101110e 60608101e11110e 71f010204080808 80e11110e11110e
90e11110f01020c :000c0c000c0c00 ;000c0c000c0408 <02040810080402 =00001f001f0000 >08040201020408
?0e110102040004 @0e11010d15150e A0e1111111f1111 B1e11111e11111e C0e11101010110e D1c12111111121c
E1f10101e10101f F1f10101e101010 G0e10101711110f H1111111f111111 I0e04040404040e J0702020202120c
K11121418141211 L1010101010101f M111b1515111111 N11111915131111 O0e11111111110e P1e11111e101010
Q0e11111115120d R1e11111e141211 S0f10100e01011e T1f040404040404 U1111111111110e V11111111110a04
W1111111515150a X11110a040a1111 Y1111110a040404 Z1f01020408101f [0e08080808080e \\00100804020100
]0e02020202020e ^040a1100000000 _0000000000001f `08040200000000 a00000e010f110f b1010161911111e
c00000e1010110e d01010d1311110f e00000e111f100e f0609081c080808 g000f11110f010e h10101619111111
i04000c0404040e j0200060202120c k10101214181412 l0c04040404040e m00001a15151111 n00001619111111
o00000e1111110e p00001e111e1010 q00000d130f0101 r00001619101010 s00000e100e011e t08081c08080906
u0000111111130d v00001111110a04 w0000111115150a x0000110a040a11 y000011110f010e z00001f0204081f
{02040408040402 |04040404040404 }08040402040408 ~0000000d120000
"""


def _parse(table: str) -> tuple[dict[str, int], np.ndarray]:
    """Glyph table -> ({char: index}, bool bitmaps (n_glyphs, GLYPH_H, GLYPH_W)); ' ' is blank."""
    tokens = [" " + "00" * GLYPH_H, *table.split()]
    index = {token[0]: i for i, token in enumerate(tokens)}
    rows = np.array([list(bytes.fromhex(token[1:])) for token in tokens], dtype=np.uint8)
    bits = (rows[:, :, None] >> np.arange(GLYPH_W - 1, -1, -1)) & 1
    return index, bits.astype(bool)


_INDEX, _BITMAPS = _parse(_GLYPHS)


def text_size(text: str, scale: int = 1) -> tuple[int, int]:
    """(width, height) in pixels of the label `draw_text` would draw, margin included."""
    return (6 * len(text) + 1) * scale, (GLYPH_H + 2) * scale


def text_mask(text: str, scale: int = 1) -> np.ndarray:
    """The glyph pixels of `text` as bool (GLYPH_H*scale, (6*len-1)*scale), no margin.

    Characters outside the font (anything but printable ASCII) are drawn as '?'.
    """
    codes = [_INDEX.get(c, _INDEX["?"]) for c in text]
    cells = np.zeros((len(codes), GLYPH_H, GLYPH_W + 1), dtype=bool)
    cells[:, :, :GLYPH_W] = _BITMAPS[codes]
    line = cells.transpose(1, 0, 2).reshape(GLYPH_H, -1)[:, :-1]
    return line.repeat(scale, axis=0).repeat(scale, axis=1)


def draw_text(
    img: np.ndarray,
    text: str,
    x: int,
    y: int,
    scale: int = 1,
    value: int = 255,
    background: int | None = 0,
) -> tuple[int, int, int, int]:
    """Draw `text` into `img` (uint8 (H, W), modified in place) with its top-left corner at (x, y).

    The label is a box of `text_size(text, scale)`: a margin of `scale` pixels around the
    glyphs. With `background` set, the whole box is first filled with it, so the text stays
    readable on any picture; with `background=None` only the glyph pixels are written.
    Parts outside the image are clipped. Returns the box actually drawn, clipped to the
    image, as (x0, y0, x1, y1) with exclusive ends (empty when the label is off-image).
    """
    scale = max(1, int(scale))
    box_w, box_h = text_size(text, scale)
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + box_w, img.shape[1]), min(y + box_h, img.shape[0])
    if x0 >= x1 or y0 >= y1:
        return x0, y0, x0, y0
    box = np.zeros((box_h, box_w), dtype=bool)
    box[scale:-scale, scale:-scale] = text_mask(text, scale)
    glyphs = box[y0 - y : y1 - y, x0 - x : x1 - x]
    region = img[y0:y1, x0:x1]
    if background is not None:
        region[...] = background
    region[glyphs] = value
    return x0, y0, x1, y1
