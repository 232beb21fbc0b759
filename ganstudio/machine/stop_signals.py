"""SIGINT (Ctrl-C) and SIGTERM (`kill`, `timeout`, a logout) as a request to stop a headless run.

Signals arrive at any moment, also in the middle of a training step. What a signal does depends
on the phase of the run (:class:`StopSignals`):

- before training (reading the config, loading or downloading the data): nothing is worth
  saving yet, so a signal raises :class:`Interrupted` at once (a download's `finally` removes
  its staging file) and the command exits 128 + the signal number;
- from :meth:`StopSignals.defer` on (training, then writing the outputs): the handler only
  records the signal. The training loop checks :attr:`StopSignals.signum` between whole steps,
  so the run stops on a state it really had, and writes its outputs. A second signal while the
  outputs are written does not cut the writing short: the run is saved whole, then the command
  exits with the first signal's status. (SIGKILL, which no process can handle, still leaves
  each file whole, old or new, as every output is written atomically.)

A signal that the parent process set to be ignored (a shell's background job ignores SIGINT)
stays ignored, as Python itself does for SIGINT. Handlers can only be installed from the main
thread; the CLI runs there.
"""

from __future__ import annotations

import signal

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def exit_status(signum: int) -> int:
    """The shell's convention for a process ended by a signal: 130 for SIGINT, 143 for SIGTERM."""
    return 128 + signum


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


class Interrupted(KeyboardInterrupt):
    """A stop signal that arrived before training started; `signum` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal_name(signum))
        self.signum = signum


class StopSignals:
    """Context manager: SIGINT and SIGTERM handled as described in the module docstring while
    the block runs; the previous handlers are put back on exit.

    `signum` is the first stop signal received after :meth:`defer` (None while there was none).
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self._deferring = False
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopSignals:
        for sig in STOP_SIGNALS:
            previous = signal.getsignal(sig)
            if previous is not signal.SIG_IGN:
                self._previous[sig] = previous
                signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc_info) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()

    def defer(self) -> None:
        """From now on a signal only sets `signum`: the caller stops at its next safe point."""
        self._deferring = True

    def _handle(self, signum: int, frame) -> None:
        if not self._deferring:
            raise Interrupted(signum)
        if self.signum is None:
            self.signum = signum
