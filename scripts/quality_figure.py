"""Draw docs/quality.png: FID against idle-machine seconds, one line per digit preset, from the
curves shipped in resources/quality.toml (measured with scripts/quality_curve.py).

    QT_QPA_PLATFORM=offscreen python scripts/quality_figure.py [-o docs/quality.png]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtWidgets import QApplication

from ganstudio.config.quality import budget_name, load_quality

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-o", "--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "quality.png")
    out = p.parse_args().out
    app = QApplication.instance() or QApplication([])  # noqa: F841  (pyqtgraph draws through Qt)
    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    curves = load_quality()
    plot = pg.PlotWidget()
    plot.resize(900, 560)
    plot.setLogMode(x=True, y=True)
    plot.addLegend(offset=(-10, 10))
    plot.setLabel("bottom", "idle-machine seconds on 2 cores")
    plot.setLabel("left", "FID, 10,000 samples against MNIST's test set (lower is better)")
    plot.showGrid(x=True, y=True, alpha=0.25)
    seconds = np.asarray(curves.seconds)
    for color, (name, fid) in zip(COLORS, sorted(curves.fid.items()), strict=False):
        fid = np.asarray(fid)
        ok = np.isfinite(fid)
        plot.plot(seconds[ok], fid[ok], pen=pg.mkPen(color, width=2.5), symbol="o", symbolBrush=color, symbolSize=7, name=name)
    plot.plot(
        seconds,
        np.full(len(seconds), curves.floor),
        pen=pg.mkPen("#777", width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine),
        name="real digits",
    )
    axis = plot.getAxis("bottom")
    axis.setTicks([[(math.log10(s), budget_name(s)) for s in curves.seconds]])
    exporter = ImageExporter(plot.plotItem)
    exporter.parameters()["width"] = 900
    exporter.export(str(out))
    print(out)


if __name__ == "__main__":
    main()
