"""The compare window: runs side by side on one step axis."""
