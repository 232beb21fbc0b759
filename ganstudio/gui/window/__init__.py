"""The main window: its controls, plots, samples, insight rows, help and the training worker thread."""
