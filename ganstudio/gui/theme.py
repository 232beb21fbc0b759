"""The look of the window and the compare view: pyqtgraph's options (row-major images, no
antialiasing, the dark plot background), set once before the first plot is made."""

import pyqtgraph as pg

PLOT_BACKGROUND = "#1e1f22"
PLOT_FOREGROUND = "#c8c8c8"


def configure_pyqtgraph() -> None:
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=False, background=PLOT_BACKGROUND, foreground=PLOT_FOREGROUND)
