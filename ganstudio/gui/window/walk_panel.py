"""Looking inside the generator, under the sample grid: the latent walk between picked cells and
one cell followed through training.

Cells are picked on the grid (SampleView's clicks): a plain click picks that cell alone and
follows it through training (FollowStrip); Ctrl- or Shift-click adds a cell to the picks (or drops
one already picked); with two or more picked, the walk through them in order is shown as a strip,
or played as an animation. Esc or Clear drops the picks. The training worker draws the walk
(cmd.Walk, answered with WalkImages between steps: the GUI never touches weights), from the
weights the grid shows.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QPushButton, QSizePolicy, QSpinBox, QVBoxLayout, QWidget

from ganstudio.gui.pixel_grid import PixelGrid
from ganstudio.gui.window.follow_strip import FollowStrip
from ganstudio.gui.window.samples import TEXT_MARGIN, SampleView
from ganstudio.run import commands as cmd
from ganstudio.run.snapshot import Snapshot, grid_classes
from ganstudio.run.walk import FPS, MAX_STOPS, WalkImages, grid_layout

DEFAULT_STOPS = 16  # few enough that each stop of the strip is legible in a 440 px dock
PLAY_INTERVAL_MS = round(1000 / FPS)  # the pace of the walk's GIF
STRIP_HEIGHT = (32, 160)  # px: the walk's viewer is as tall as its picture's aspect asks, within these
PICK_HINT = "Click a cell to follow it through training; Ctrl-click two or more cells to walk between them."


class StripView(PixelGrid):
    """A PixelGrid as wide as its place and as tall as its picture's aspect asks (STRIP_HEIGHT)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(60, STRIP_HEIGHT[0])
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def show_array(self, image) -> None:
        super().show_array(image)
        self._fit_height()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        if self.array is not None:
            height, width = self.array.shape
            low, high = STRIP_HEIGHT
            self.setFixedHeight(int(min(max(self.width() * height / width, low), high)))


class WalkPanel(QWidget):
    """The walk's controls, its strip (or animation) and the followed cell's strip, for the cells
    picked on `samples`. Signals: request(cmd.Walk) whenever the walk wanted changes (no cells:
    none); export_requested() for the Export button (the File menu's entry does the writing);
    nearest_requested(cell) for the cell menu's "Nearest training images".

    `picks` are the picked cells in order, `followed` the cell followed through training,
    `class_row_of` the cell whose noise is shown as every class (a conditional run), `walk` the
    WalkImages shown (None: none)."""

    request = Signal(object)
    export_requested = Signal()
    nearest_requested = Signal(int)  # a cell whose nearest training images are asked for (its context menu)

    def __init__(self, samples: SampleView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._samples = samples
        self.picks: list[int] = []
        self.followed: int | None = None
        self.class_row_of: int | None = None
        self.walk: WalkImages | None = None
        self.refusal = ""  # why the walk asked for could not be drawn
        self.menu: QMenu | None = None  # the last context menu of a cell
        self._snapshot: Snapshot | None = None
        self._sent = cmd.Walk()
        self._grid_key: tuple | None = None
        self._frame = 0

        self.stops = QSpinBox()
        self.stops.setRange(2, MAX_STOPS)
        self.stops.setValue(DEFAULT_STOPS)
        self.stops.setSuffix(" stops")
        self.stops.setToolTip(f"Images along the walk, the picked cells included (2 to {MAX_STOPS}), as walk --frames.")
        self.stops.valueChanged.connect(lambda _: self._send())
        self.play = QPushButton("Play")
        self.play.setCheckable(True)
        self.play.setToolTip(f"Loop the walk as an animation ({FPS:g} frames a second), in place of the strip.")
        self.play.toggled.connect(self._play_toggled)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Drop the picked cells (Esc).")
        self.clear_button.clicked.connect(self.clear)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Write the walk as a GIF or an MP4 (File > Export latent walk).")
        self.export_button.clicked.connect(self.export_requested.emit)
        self.hint = QLabel(PICK_HINT)
        self.hint.setWordWrap(True)
        self.strip = StripView()
        self.strip.setVisible(False)
        self.follow_caption = QLabel("")
        self.follow = FollowStrip()
        for widget in (self.follow_caption, self.follow):
            widget.setVisible(False)
        self._timer = QTimer(self, interval=PLAY_INTERVAL_MS, timeout=self._next_frame)
        self._lay_out()
        samples.cell_clicked.connect(self.pick)
        samples.cell_menu.connect(self.open_menu)
        for choice in (samples.use_ema, samples.use_best):
            choice.toggled.connect(lambda _: self._send())
        self._update()

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.setContentsMargins(TEXT_MARGIN, 0, TEXT_MARGIN, 0)
        bar.addWidget(QLabel("Walk"))
        for widget in (self.stops, self.play, self.clear_button, self.export_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.hint.setContentsMargins(TEXT_MARGIN, 0, TEXT_MARGIN, 0)
        self.follow_caption.setContentsMargins(TEXT_MARGIN, 0, TEXT_MARGIN, 0)
        for widget in (self.hint, self.strip, self.follow_caption, self.follow):
            layout.addWidget(widget)

    # -- picking --------------------------------------------------------------------------------
    def pick(self, cell: int, adding: bool) -> None:
        """A click on `cell`: adding (Ctrl/Shift), it joins the picks (or leaves them if picked);
        else it is picked alone and followed through training."""
        self.class_row_of = None
        if not adding:
            self.picks, self.followed = [cell], cell
        elif cell in self.picks:
            self.picks.remove(cell)
        elif len(self.picks) < MAX_STOPS:
            self.picks.append(cell)
        self._update()

    def follow_cell(self, cell: int) -> None:
        """Follow `cell` through training (the picks stay)."""
        self.followed = cell
        self._update()

    def show_class_row(self, cell: int) -> None:
        """A conditional run: `cell`'s noise drawn as every class of the run, one stop each."""
        self.picks, self.class_row_of = [cell], cell
        self._update()

    def clear(self) -> None:
        """Drop the picks, the followed cell and the walk."""
        self.picks, self.followed, self.class_row_of = [], None, None
        self._update()

    def open_menu(self, cell: int, at) -> QMenu:
        """The context menu of `cell`, opened at the global point `at` (None: not shown)."""
        self.menu = QMenu(self)
        self.menu.addAction("Follow this cell through training", lambda: self.follow_cell(cell))
        self.menu.addAction("Add this cell to the walk", lambda: self.pick(cell, True))
        config = self._snapshot.config if self._snapshot else None
        if config is not None and config.training.conditional:
            self.menu.addAction("This noise as every class", lambda: self.show_class_row(cell))
        self.menu.addSeparator()
        self.menu.addAction("Nearest training images", lambda: self.nearest_requested.emit(cell))
        self.menu.addSeparator()
        self.menu.addAction("Clear the picks", self.clear)
        if at is not None:
            self.menu.popup(at)
        return self.menu

    # -- from the run ---------------------------------------------------------------------------
    def show_snapshot(self, snap: Snapshot) -> None:
        """Follow the run: hidden for a 2D run; the picks are dropped when the grid's cells change
        (another size, other class rows); the followed cell's strip takes new frames."""
        self._snapshot = snap
        self.setVisible(snap.grid is not None)
        config = snap.config
        key = (config.image_shape, config.view.grid, config.training.conditional and grid_classes(config))
        if key != self._grid_key:
            self._grid_key = key
            self.picks, self.followed, self.class_row_of = [], None, None
            self._update()
        else:
            self._send()  # the weights the grid shows may have changed (best weights kept)
            self._show_follow()

    def show_walk(self, walk: WalkImages) -> None:
        """The walk the worker drew: shown if it is the one asked for last."""
        if walk.request != self._sent:
            return
        self.walk, self.refusal = walk, ""
        self._frame %= len(walk.frames)
        self._update_view()

    def refuse_walk(self, message: str) -> None:
        """The walk asked for cannot be drawn: say why (the worker dropped the request)."""
        self.walk, self.refusal = None, message
        self._update_view()

    # -- state to screen ------------------------------------------------------------------------
    def wanted(self) -> cmd.Walk:
        """The walk the picks ask for, from the weights the grid shows (no cells: none)."""
        snap = self._snapshot
        if snap is None or snap.grid is None:
            return cmd.Walk()
        weights = self._samples.weights_shown(snap)
        if self.class_row_of is not None:
            classes = snap.config.conditioning().classes
            return cmd.Walk((self.class_row_of,), len(classes), tuple(classes), weights)
        if len(self.picks) >= 2:
            return cmd.Walk(tuple(self.picks), self.stops.value(), None, weights)
        return cmd.Walk()

    def _update(self) -> None:
        """After the picks changed: marks on the grid, the request, the strips, the controls."""
        self._samples.show_marks(self.picks, self.followed)
        self.stops.setMinimum(max(2, len(self.picks)))
        self._send()
        self._show_follow()
        self._update_view()

    def _send(self) -> None:
        """Ask for the walk wanted when it is not the one asked for last."""
        wanted = self.wanted()
        if wanted == self._sent:
            return
        self._sent, self.walk, self.refusal = wanted, None, ""
        self.request.emit(wanted)
        self._update_view()

    def _update_view(self) -> None:
        """The strip or the animation's frame, the hint and which controls apply."""
        walk = self.walk
        self.stops.setEnabled(len(self.picks) >= 2 and self.class_row_of is None)
        self.play.setEnabled(walk is not None)
        self.export_button.setEnabled(walk is not None)
        self.clear_button.setEnabled(bool(self.picks) or self.followed is not None)
        if walk is None and self.play.isChecked():
            self.play.setChecked(False)
        self.strip.setVisible(walk is not None)
        if walk is not None:
            self.strip.show_array(walk.frames[self._frame] if self.play.isChecked() else walk.strip)
        self.hint.setText(self._hint())

    def _hint(self) -> str:
        """One line: what to do next, or what the walk shown is."""
        if self.refusal:
            return self.refusal
        if not self._sent.cells:
            if len(self.picks) == 1:
                return f"Cell {self.picks[0]} picked: Ctrl-click another cell to walk from it to that one."
            return PICK_HINT
        if self.walk is None:
            return "Drawing the walk…"
        walk = self.walk
        if walk.request.classes is not None:
            what = f"Cell {walk.request.cells[0]}'s noise as each class"
        else:
            what = f"Cells {' → '.join(map(str, walk.request.cells))}"
        return f"{what} · {len(walk.frames)} stops · step {walk.step:,}, {walk.weights} weights"

    def _show_follow(self) -> None:
        """The followed cell in every recorded frame (hidden when none is followed)."""
        snap, cell = self._snapshot, self.followed
        layout = None if snap is None or snap.grid is None or cell is None else grid_layout(snap.config, snap.grid.shape)
        for widget in (self.follow_caption, self.follow):
            widget.setVisible(layout is not None)
        if layout is None:
            self.follow.forget()
            return
        self.follow.show_cell(cell, layout, snap.frame_steps, snap.frames)
        count = len(self.follow.steps)
        text = f"Cell {cell} through training: {count} recorded frame{'s' * (count != 1)}, step under each"
        if not count:
            text = f"Cell {cell} through training: no frame recorded yet (one every run.record_every steps)"
        if self.follow.skipped:
            text += f"; {self.follow.skipped} of another grid size left out"
        self.follow_caption.setText(text)

    # -- animation ------------------------------------------------------------------------------
    def _play_toggled(self, playing: bool) -> None:
        self.play.setText("Stop" if playing else "Play")
        if playing:
            self._frame = 0
            self._timer.start()
        else:
            self._timer.stop()
        self._update_view()

    def _next_frame(self) -> None:
        if self.walk is not None:
            self._frame = (self._frame + 1) % len(self.walk.frames)
            self.strip.show_array(self.walk.frames[self._frame])
