"""Writing files: atomic writes and WriteError, used by every layer that writes."""
