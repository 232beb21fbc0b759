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

FID_TICKS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-o", "--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "quality.png")
    out = p.parse_args().out
    app = QApplication.instance() or QApplication([])
    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    curves = load_quality()
    plot = pg.PlotWidget()
    plot.resize(900, 560)
    plot.setLogMode(x=True, y=True)
    plot.addLegend(offset=(-10, 10))
    plot.setTitle("FID after a time budget: 10,000 samples against MNIST's test set (lower is better)", size="10pt")
    plot.setLabel("bottom", "training time, idle 2-core machine")
    plot.setLabel("left", "FID")
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
    plot.getAxis("bottom").setTicks([[(math.log10(s), budget_name(s)) for s in curves.seconds]])
    measured = [f for fid in curves.fid.values() for f in fid if math.isfinite(f)]
    top = max(measured, default=100.0) * 1.5
    plot.getAxis("left").setTicks([[(math.log10(v), f"{v:g}") for v in FID_TICKS if v <= top]])
    plot.setXRange(math.log10(min(curves.seconds) * 0.8), math.log10(max(curves.seconds) * 1.25), padding=0)
    plot.setYRange(math.log10(curves.floor * 0.8), math.log10(top), padding=0)
    plot.show()
    app.processEvents()
    ImageExporter(plot.plotItem).export(str(out))
    print(out)


if __name__ == "__main__":
    main()
