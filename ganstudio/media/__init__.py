"""Export: the run as files: GIF / MP4 animations of training, PNG images, CSV tables, written
atomically (the file appears complete or not at all); I/O failures raise
`ganstudio.files.atomic.WriteError`. No Qt here. What the pictures show is drawn by ganstudio.render (sample
grids, point clouds, text); `make_grid`, `upscale` and `draw_text` are re-exported from there
for existing callers. See docs/EXPORT.md.
"""

from ganstudio.media.gif import GifResult, write_gif
from ganstudio.media.gif_budget import GifPlan, plan_gif
from ganstudio.media.images import write_png
from ganstudio.media.losspanel import LossPanel
from ganstudio.media.table import write_csv
from ganstudio.media.video import write_mp4
from ganstudio.render import draw_text, make_grid, upscale

__all__ = [
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
