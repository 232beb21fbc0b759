"""The PySide6 front end: the main window, its panels and plots, and the training worker thread.

Only this package imports Qt. It drives a :class:`ganstudio.run.session.Session` through commands
and renders its snapshots (docs/DESIGN.md, "The data flow of one step").
"""
