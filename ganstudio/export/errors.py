"""The export layer's name for a failed write: `ExportError` is ganstudio.files.WriteError."""

from ganstudio.files import WriteError

ExportError = WriteError

__all__ = ["ExportError"]
