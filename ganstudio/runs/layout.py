"""The files of a run folder, named once: what `train`, the window's keeper and sweeps write, and
what the runs library, compare and `sample` read."""

CHECKPOINT = "checkpoint.npz"  # weights, optimizer and RNG state, history, frames (run.checkpoint)
HISTORY = "history.csv"  # the step history as a table
SAMPLES = "samples.png"  # the last sample grid
RUN_TOML = "run.toml"  # the starting config and the change log: what makes a folder a run
SUMMARY = "summary.json"  # the figures `runs list` shows
OUTPUT_NAMES = (CHECKPOINT, HISTORY, SAMPLES, RUN_TOML, SUMMARY)
