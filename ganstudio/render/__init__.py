"""Rendering: samples, point clouds and text as uint8 images, pure NumPy, no Qt, no files.

The live snapshot (sample grid, 2D points), the recorded frames and every exported picture are
drawn here; ganstudio.media writes them to files.
"""

from ganstudio.render.font import draw_text, text_size
from ganstudio.render.grid import GridLayout, label_rows, make_grid, upscale
from ganstudio.render.scatter import Extent, plot_points, render_points, square_extent

__all__ = [
    "Extent",
    "GridLayout",
    "draw_text",
    "label_rows",
    "make_grid",
    "plot_points",
    "render_points",
    "square_extent",
    "text_size",
    "upscale",
]
