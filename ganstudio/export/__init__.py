"""Export: sample grids, GIF / MP4 animations of training, PNG images and CSV tables.

No Qt here. Every writer is atomic (the file appears complete or not at all) and reports
I/O failures as `ExportError`. See docs/EXPORT.md.
"""

from ganstudio.export.errors import ExportError
from ganstudio.export.font import draw_text
from ganstudio.export.gif import GifResult, write_gif
from ganstudio.export.gif_budget import GifPlan, plan_gif
from ganstudio.export.grid import make_grid, upscale
from ganstudio.export.images import write_png
from ganstudio.export.losspanel import LossPanel
from ganstudio.export.table import write_csv
from ganstudio.export.video import write_mp4

__all__ = [
    "ExportError",
    "GifPlan",
    "GifResult",
    "LossPanel",
    "draw_text",
    "make_grid",
    "plan_gif",
    "upscale",
    "write_csv",
    "write_gif",
    "write_mp4",
    "write_png",
]
