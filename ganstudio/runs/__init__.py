"""Runs: every run kept in its own folder (:mod:`.library`), its live changes kept as a replayable
log (:mod:`.changelog`), and the `ganstudio runs` command (:mod:`.cli`)."""
