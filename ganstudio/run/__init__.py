"""One training run: the session, its state, commands, change planning, the change log, snapshots,
checkpoints and the memory estimate."""
