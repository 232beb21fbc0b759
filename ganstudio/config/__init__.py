"""The config model (dataclasses, TOML, dotted keys), presets, packaged resources and seed streams."""
