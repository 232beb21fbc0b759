"""The Runs panel: the runs library in the window."""
