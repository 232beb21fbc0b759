"""Exporting from the window: the GIF/MP4 dialog, its background job, the File menu's exports."""
