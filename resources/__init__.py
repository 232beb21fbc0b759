"""Data files shipped inside the installed package (presets, classifier weights).

pyproject.toml maps this folder into the package as `ganstudio.resources`; the code reads it
through `ganstudio.shipped` (importlib.resources), never through a path in the source tree.
"""
