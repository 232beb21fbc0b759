"""GAN Studio: see and steer GAN training. A plain-NumPy GAN engine with a PySide6 front end."""

__version__ = "0.1.0"
