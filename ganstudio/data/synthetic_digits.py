"""synthetic-digits: handwriting-like digits 0-9 drawn by our own code, 28x28, no download.

Each digit has one or more stroke templates: pen strokes given by a few control points in a box
about 0.6 wide and 1 tall (x right, y down, centred on the origin), smoothed by Catmull-Rom
splines. A template is precomputed as a fixed linear map from its control points to points
spread evenly along its strokes, so every image costs only array arithmetic:

1. jitter the control points (the writer's wobble) and map them to stroke points;
2. apply a random affine map (slant, rotation, size, aspect), then shrink the digit to fit a
   20x20 box if needed and centre it, as MNIST does;
3. splat the points bilinearly into a 28x28 line-density image (``np.bincount``);
4. blur with a Gaussian of random width (pen thickness) and saturate the stroke core, which
   leaves anti-aliased edges; quantize to uint8 like MNIST.

Everything random comes from the generator passed in, so a seed gives the same digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from .curves import arc_length

SIZE = 28
_POINTS = 128  # stroke points per template (about half a pixel apart for the longest digit)
_CHUNK = 2048  # images rendered at once
_BOX = 17.0  # pixels: the largest extent of the stroke centre lines (inked: ~20, as MNIST)
_BLUR_RADIUS = 3  # pixels; the Gaussian kernel has 2 * radius + 1 taps

# A stroke is a tuple of control points; a stroke whose last point repeats its first is closed.
# Strokes meeting at a sharp corner are separate strokes sharing the corner point.
_TEMPLATES: dict[int, tuple[tuple[tuple[tuple[float, float], ...], ...], ...]] = {
    0: (
        (
            (
                (0.0, -0.48),
                (-0.2, -0.38),
                (-0.27, 0.0),
                (-0.18, 0.38),
                (0.0, 0.48),
                (0.2, 0.36),
                (0.27, 0.0),
                (0.18, -0.38),
                (0.0, -0.48),
            ),
        ),
        (
            (
                (0.06, -0.48),
                (-0.17, -0.4),
                (-0.26, -0.08),
                (-0.19, 0.32),
                (-0.02, 0.48),
                (0.17, 0.4),
                (0.26, 0.08),
                (0.21, -0.34),
                (0.06, -0.48),
            ),
        ),
    ),
    1: (
        (((0.03, -0.5), (-0.03, 0.5)),),
        (((-0.14, -0.3), (0.04, -0.5)), ((0.04, -0.5), (0.0, 0.5))),
    ),
    2: (
        (
            ((-0.24, -0.28), (-0.08, -0.46), (0.13, -0.46), (0.24, -0.28), (0.16, -0.05), (-0.05, 0.2), (-0.27, 0.47)),
            ((-0.27, 0.47), (0.0, 0.45), (0.28, 0.46)),
        ),
        (
            (
                (-0.24, -0.28),
                (-0.08, -0.46),
                (0.13, -0.46),
                (0.24, -0.28),
                (0.16, -0.05),
                (-0.05, 0.2),
                (-0.26, 0.42),
                (-0.12, 0.48),
                (0.1, 0.44),
                (0.28, 0.48),
            ),
        ),
    ),
    3: (
        (
            ((-0.22, -0.36), (-0.04, -0.48), (0.16, -0.44), (0.22, -0.26), (0.1, -0.08), (-0.08, -0.03)),
            ((-0.08, -0.03), (0.16, 0.05), (0.26, 0.26), (0.14, 0.45), (-0.08, 0.48), (-0.25, 0.36)),
        ),
    ),
    4: (
        (((-0.03, -0.5), (-0.27, 0.14)), ((-0.27, 0.14), (0.27, 0.14)), ((0.14, -0.28), (0.13, 0.5))),
        (((0.12, -0.5), (-0.27, 0.14)), ((-0.27, 0.14), (0.28, 0.14)), ((0.12, -0.5), (0.12, 0.5))),
    ),
    5: (
        (
            ((0.23, -0.47), (-0.17, -0.47)),
            ((-0.17, -0.47), (-0.21, -0.05)),
            ((-0.21, -0.05), (0.02, -0.11), (0.21, -0.01), (0.26, 0.22), (0.12, 0.44), (-0.1, 0.48), (-0.26, 0.36)),
        ),
    ),
    6: (
        (
            (
                (0.17, -0.48),
                (-0.05, -0.34),
                (-0.21, -0.06),
                (-0.25, 0.24),
                (-0.1, 0.46),
                (0.12, 0.45),
                (0.24, 0.25),
                (0.12, 0.05),
                (-0.1, 0.06),
                (-0.23, 0.22),
            ),
        ),
    ),
    7: (
        (((-0.25, -0.47), (0.27, -0.47)), ((0.27, -0.47), (0.1, -0.08), (-0.04, 0.5))),
        (((-0.25, -0.47), (0.27, -0.47)), ((0.27, -0.47), (0.1, -0.08), (-0.04, 0.5)), ((-0.08, 0.0), (0.22, 0.0))),
    ),
    8: (
        (
            (
                (0.0, -0.02),
                (0.19, -0.2),
                (0.15, -0.42),
                (0.0, -0.48),
                (-0.17, -0.42),
                (-0.19, -0.21),
                (0.0, -0.02),
                (0.23, 0.2),
                (0.17, 0.43),
                (0.0, 0.48),
                (-0.19, 0.43),
                (-0.23, 0.2),
                (0.0, -0.02),
            ),
        ),
    ),
    9: (
        (
            (
                (0.23, -0.25),
                (0.1, -0.45),
                (-0.12, -0.46),
                (-0.24, -0.27),
                (-0.12, -0.08),
                (0.1, -0.1),
                (0.23, -0.25),
                (0.2, 0.1),
                (0.12, 0.5),
            ),
        ),
        (
            ((0.22, -0.27), (0.08, -0.46), (-0.14, -0.45), (-0.24, -0.26), (-0.12, -0.08), (0.1, -0.1), (0.22, -0.27)),
            ((0.22, -0.42), (0.18, 0.5)),
        ),
    ),
}


@dataclass(frozen=True)
class _Template:
    control: np.ndarray  # (M, 2) control points of all strokes
    basis: np.ndarray  # (_POINTS, M): stroke points = basis @ control
    length: float  # total stroke length in template units


def generate_digits(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` digit images ``(n, 28, 28)`` uint8 (white on black) and their labels ``(n,)``
    int64; the ten digits occur equally often (up to one), in random order."""
    labels = rng.permutation(np.arange(n) % 10)
    images = np.empty((n, SIZE, SIZE), dtype=np.uint8)
    for start in range(0, n, _CHUNK):  # chunks keep the working set small, hence fast
        images[start : start + _CHUNK] = _render(labels[start : start + _CHUNK], rng)
    return images, labels.astype(np.int64)


def _render(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One random image ``(n, 28, 28)`` uint8 of each digit in ``labels`` ``(n,)``."""
    n = len(labels)
    choice = rng.random(n)
    points = np.empty((n, _POINTS, 2), dtype=np.float32)
    ink = np.empty(n, dtype=np.float32)  # stroke length per point, template units
    for digit in range(10):
        variants = _templates(digit)
        pick = (choice * len(variants)).astype(np.int64)
        for v, template in enumerate(variants):
            sel = np.flatnonzero((labels == digit) & (pick == v))
            wobble = rng.normal(0.0, 0.035, size=(len(sel), *template.control.shape))
            points[sel] = template.basis @ (template.control + wobble)
            ink[sel] = template.length / _POINTS
    points, scale = _place(points, rng)
    sigma = rng.uniform(0.7, 1.15, size=n).astype(np.float32)
    blurred = _blur(_splat(points, ink * scale), sigma)
    # A blurred line peaks at about 1 / (2.5 sigma); the pen's pressure scales that peak so the
    # stroke core saturates and only its edges stay grey.
    pressure = rng.uniform(1.7, 3.0, size=n).astype(np.float32)
    gain = (2.5 * sigma * pressure)[:, None, None]
    return np.rint(np.clip(blurred * gain, 0.0, 1.0) * 255).astype(np.uint8)


def _place(points: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random slant, rotation, size and position: template units -> pixel coordinates.

    ``points`` ``(n, P, 2)``; returns pixel coordinates ``(n, P, 2)`` and each image's
    pixels per template unit ``(n,)``. Like MNIST, a digit is shrunk to fit a 20x20 box if
    needed, and its box is centred in the image (up to a little random shift).
    """
    n = len(points)
    height = rng.uniform(15.0, 19.0, size=n)  # pixels per template unit, vertically
    width = height * rng.uniform(0.8, 1.25, size=n)
    slant = rng.normal(0.2, 0.15, size=n)  # x shift per unit of height, positive leans right
    angle = rng.normal(0.0, 0.08, size=n)
    cos, sin = np.cos(angle), np.sin(angle)
    # Linear part: scale, then shear (y is down, so leaning right means x decreases with y),
    # then rotate.
    a = np.empty((n, 2, 2), dtype=np.float32)
    a[:, 0, 0] = cos * width
    a[:, 0, 1] = -cos * slant * height - sin * height
    a[:, 1, 0] = sin * width
    a[:, 1, 1] = -sin * slant * height + cos * height
    placed = points @ a.transpose(0, 2, 1)
    low, high = placed.min(axis=1, keepdims=True), placed.max(axis=1, keepdims=True)
    shrink = np.minimum(1.0, _BOX / (high - low).max(axis=2, keepdims=True))
    centre = (SIZE - 1) / 2 + rng.normal(0.0, 0.5, size=(n, 1, 2)).astype(np.float32)
    placed = (placed - (low + high) / 2) * shrink + centre
    return placed, np.sqrt(np.abs(np.linalg.det(a))) * shrink[:, 0, 0]


def _splat(points: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Bilinear splat of ``points`` ``(n, P, 2)`` (pixel x, y), each carrying ``weight``
    ``(n,)``, into line-density images ``(n, 28, 28)`` float32.

    Splats into a canvas with a 2-pixel margin, clipping stray points into the margin, and
    crops it away: cheaper than masking the points that fall outside.
    """
    n = len(points)
    side = SIZE + 4
    xy = np.clip(points + 2.0, 0.0, side - 1.001)
    base = np.floor(xy)
    fx, fy = (xy - base).transpose(2, 0, 1)
    corner = (base[..., 1] * side + base[..., 0]).astype(np.int64)
    corner += (np.arange(n) * side * side)[:, None]
    w = weight[:, None]
    index = np.concatenate([corner, corner + 1, corner + side, corner + side + 1], axis=None)
    mass = np.concatenate([w * (1 - fx) * (1 - fy), w * fx * (1 - fy), w * (1 - fx) * fy, w * fx * fy], axis=None)
    canvas = np.bincount(index, mass, minlength=n * side * side).reshape(n, side, side)
    return canvas[:, 2:-2, 2:-2].astype(np.float32)


def _blur(images: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Separable Gaussian blur of ``images`` ``(n, h, w)``, each with its own ``sigma`` ``(n,)``."""
    r = _BLUR_RADIUS
    taps = np.arange(-r, r + 1)
    kernel = np.exp(-0.5 * (taps[None, :] / sigma[:, None]) ** 2)
    kernel = (kernel / kernel.sum(axis=1, keepdims=True)).astype(np.float32)[:, :, None, None]
    n, h, w = images.shape
    padded = np.pad(images, ((0, 0), (r, r), (r, r)))
    rows = sum(kernel[:, k] * padded[:, :, k : k + w] for k in range(2 * r + 1))
    return sum(kernel[:, k] * rows[:, k : k + h, :] for k in range(2 * r + 1))


@cache
def _templates(digit: int) -> tuple[_Template, ...]:
    return tuple(_template(strokes) for strokes in _TEMPLATES[digit])


def _template(strokes) -> _Template:
    """Precompute the linear map from a template's control points to ``_POINTS`` stroke points
    spread evenly by arc length over its strokes.

    Equal points are one control point, so strokes meeting at a corner (or a closed stroke's
    ends) stay joined when the control points are jittered.
    """
    index: dict[tuple[float, float], int] = {}
    indexed = [[index.setdefault(tuple(p), len(index)) for p in stroke] for stroke in strokes]
    control = np.array(list(index), dtype=np.float64)
    dense = [_catmull_rom_basis(stroke, len(control)) for stroke in indexed]
    lengths = [arc_length(rows @ control) for rows in dense]
    total = sum(cum[-1] for cum in lengths)
    # Points per stroke in proportion to its length (at least 2), adding up to _POINTS.
    counts = np.maximum(2, np.floor([cum[-1] / total * _POINTS for cum in lengths])).astype(int)
    counts[np.argmax(counts)] += _POINTS - counts.sum()
    basis = []
    for rows, cum, k in zip(dense, lengths, counts, strict=True):
        s = np.linspace(0.0, cum[-1], k)
        basis.append(np.stack([np.interp(s, cum, column) for column in rows.T], axis=1))
    return _Template(control, np.concatenate(basis), float(total))


def _catmull_rom_basis(stroke: list[int], m: int, per_segment: int = 24) -> np.ndarray:
    """Rows ``(samples, m)`` mapping the ``m`` control points to dense points on the uniform
    Catmull-Rom spline through the control points ``stroke`` (indices). An open stroke's ends
    are extended by repeating its end points; a closed one (first index == last) wraps around."""
    k = len(stroke)
    if stroke[0] == stroke[-1]:
        ring = stroke[:-1]
        quads = [[ring[(i + j) % len(ring)] for j in (-1, 0, 1, 2)] for i in range(len(ring))]
    else:
        quads = [[stroke[min(max(i + j, 0), k - 1)] for j in (-1, 0, 1, 2)] for i in range(k - 1)]
    t = np.linspace(0.0, 1.0, per_segment, endpoint=False)[:, None]
    weights = 0.5 * np.hstack([-(t**3) + 2 * t**2 - t, 3 * t**3 - 5 * t**2 + 2, -3 * t**3 + 4 * t**2 + t, t**3 - t**2])
    rows = np.zeros((len(quads) * per_segment + 1, m))
    for q, quad in enumerate(quads):
        for j, point in enumerate(quad):  # a point may fill several of the four slots
            rows[q * per_segment : (q + 1) * per_segment, point] += weights[:, j]
    rows[-1, stroke[-1]] = 1.0
    return rows
