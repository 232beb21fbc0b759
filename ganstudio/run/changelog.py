"""The change log: every live change a run took, at the step it took effect, replayable.

A run is its starting config plus this list. Each entry is one command that changed the config
or the weights, with ``step`` = the run's step count when it was applied (between step ``step``
and step ``step + 1``). In ``run.toml`` each entry is a ``[[changes]]`` table a person can read
and edit, with exactly one action::

    [[changes]]
    step = 7000
    set = { "optimizer.d.lr" = 0.01 }      # SetParam (architecture keys wait for apply)
    [[changes]]
    step = 7100
    apply = "g"                            # Rebuild (Apply to G or D; "both": Apply to G and D)
    [[changes]]
    step = 7100
    d_step = true                          # StepOnce("d"); g_step = true for StepOnce("g")
    [[changes]]
    step = 7101
    revert = true                          # RevertLastChange; `to` = the step it went back to
    to = 7000
    [[changes]]
    step = 7000
    reset = true                           # Reset; `set` = what the new config changed, if any

Replaying (:func:`replay`) trains a fresh session from the starting config and applies the
entries through the same :meth:`Session.apply`, so the replayed weights equal the original's
bit for bit (at the same BLAS thread count). :func:`parse` refuses a log naming an unknown key,
a bad value or a step in the past, with the line of the file, before any training.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ganstudio.config.model import ConfigError, RunConfig, value_text
from ganstudio.record.history import Event, EventKind
from ganstudio.run import commands as cmd
from ganstudio.run.change_plan import BOTH, UNTRACKED_SECTIONS, Outcome, plan, waits

ACTIONS = ("set", "apply", "d_step", "g_step", "revert", "reset")
HEADER_LINE = "[[changes]]"  # how entry_toml opens each entry


class ReplayError(ConfigError):
    """A change log that cannot be replayed; the message names the file and line."""


@dataclass(frozen=True)
class Change:
    """One change a run took, the journal's record of it.

    step: the run's step count when it was applied; command: the typed command (SetParam with the
    value as the config holds it, Rebuild, StepOnce "d" / "g", RevertLastChange, Reset);
    before / after: {dotted key: value} of the settings it touched (a Reset's: what its config
    changed; an entry read from run.toml knows only `after`); outcome: LIVE, or PENDING for an
    edit that waits for Apply or Reset; to: the step a revert went back to.
    run.toml's [[changes]] table (:attr:`action`), the plot markers (:meth:`events`) and the
    revert labels (:attr:`label`) are views of it."""

    step: int
    command: Any
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    outcome: Outcome = Outcome.LIVE
    to: int | None = None

    @property
    def action(self) -> dict[str, Any]:
        """The entry's action fields as run.toml spells them, e.g. {"set": {"optimizer.lr": 0.001}}."""
        match self.command:
            case cmd.SetParam(key=key, value=value):
                return {"set": {key: setting(key, value)}}
            case cmd.SetParams(values=values):
                return {"set": {key: setting(key, value) for key, value in values.items()}}
            case cmd.Rebuild(network=network):
                return {"apply": network}
            case cmd.StepOnce(part=part):
                return {f"{part}_step": True}
            case cmd.RevertLastChange():
                return {"revert": True, "to": self.to}
            case cmd.Reset():
                return {"reset": True, **({"set": {k: setting(k, v) for k, v in self.after.items()}} if self.after else {})}
        raise TypeError(f"a change cannot hold {self.command!r}")

    def replayed(self, session) -> Any:
        """The command that replays this change on `session` (a ganstudio.run.session.Session's,
        now): a Reset's config is the session's, with its pending edits and what the reset set."""
        if isinstance(self.command, cmd.Reset):
            return cmd.Reset(session.config.with_values(session.pending).with_values(self.action.get("set", {})))
        return self.command

    def step_after(self) -> int:
        """The run's step count once this change is applied."""
        match self.command:
            case cmd.Reset():
                return 0
            case cmd.RevertLastChange():
                return int(self.to)
            case cmd.StepOnce():
                return self.step + 1
        return self.step

    def events(self) -> list[Event]:
        """The plot markers of this change: one per setting a live edit changed
        ("optimizer.g.lr 0.0002 -> 0.001"), the rebuild of an Apply ("hidden [128] -> [256]").
        A change read from run.toml knows no values before it: its replay makes the markers."""
        moves = [(k, value_text(self.before[k]), value_text(v)) for k, v in self.after.items() if k in self.before]
        if isinstance(self.command, cmd.SetParam) and self.outcome is Outcome.LIVE:
            return [Event(self.step, EventKind.CHANGE, k, old, new) for k, old, new in moves]
        if isinstance(self.command, cmd.Rebuild):
            detail = ", ".join(f"{k.split('.', 1)[1]} {old} -> {new}" for k, old, new in moves)
            return [Event(self.step, EventKind.REBUILD, self.command.network, new=detail)]
        return []

    @property
    def label(self) -> str:
        """The change in words, as a revert names what it undid: its last plot marker's ("" for none)."""
        events = self.events()
        return events[-1].label if events else ""

    def toml(self) -> str:
        """This entry as a [[changes]] table."""
        return entry_toml(self.step, self.action)


def entry_toml(step: int, action: dict[str, Any]) -> str:
    """A [[changes]] table: `step` and the action fields (as :attr:`Change.action` spells them)."""
    lines = [HEADER_LINE, f"step = {step}"]
    for name, value in action.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{json.dumps(k)} = {_value(v)}" for k, v in value.items())
            lines.append(f"{name} = {{ {inner} }}")
        else:
            lines.append(f"{name} = {_value(value)}")
    return "\n".join(lines) + "\n"


def _value(value: Any) -> str:
    """A TOML literal (JSON's spelling of numbers, strings, bools and lists is valid TOML)."""
    return json.dumps(list(value) if isinstance(value, tuple) else value)


def changed_settings(before: RunConfig, after: RunConfig) -> dict[str, Any]:
    """{dotted key: new value} of the tracked settings that differ (display settings left out),
    as run.toml spells them (lists for tuples; every class is "all")."""
    return {k: setting(k, after.get(k)) for k in plan(before, after).changed if not k.startswith(UNTRACKED_SECTIONS)}


def setting(key: str, value: Any) -> Any:
    """A setting's value as run.toml spells it: lists for tuples, "all" for every class."""
    if key == "data.classes" and not value:
        return "all"
    return list(value) if isinstance(value, tuple) else value


class ChangeLog:
    """The journal: the changes a run took, in order (the session records them; run.toml keeps
    them). A revert is recorded, not a truncation: the log is the path the weights took, detours
    included, and replay walks it again."""

    def __init__(self, entries: list[Change] | None = None) -> None:
        self.entries: list[Change] = list(entries or [])

    def record(self, change: Change) -> None:
        self.entries.append(change)

    def toml(self) -> str:
        return "\n".join(e.toml() for e in self.entries)


_JSON = json.JSONDecoder()


def split_log(text: str) -> tuple[str, list[dict[str, Any]] | None]:
    """A run.toml's `text` as (the text before its change log, the log's [[changes]] tables as
    dicts), reading the log without a TOML parser when it is exactly what entry_toml writes
    (checked by writing the tables again: a log of 100,000 changes reads in a fraction of a TOML
    parse's time); (`text`, None) otherwise (hand-edited, or no log), for a TOML parse of the whole."""
    start = text.find(f"\n{HEADER_LINE}\n")
    if start < 0:
        return text, None
    head, body = text[: start + 1], text[start + 1 :].rstrip("\n")
    try:
        tables = [_logged_table(block) for block in body.split("\n\n")]
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python recurses
        return text, None
    written = "\n".join(entry_toml(t["step"], {k: v for k, v in t.items() if k != "step"}) for t in tables)
    return (head, tables) if written.rstrip("\n") == body else (text, None)


def _logged_table(block: str) -> dict[str, Any]:
    """One entry as entry_toml writes it: the header, `step = N`, then `name = value` lines with
    JSON values (an inline table for `set`). ValueError for anything else."""
    header, *lines = block.split("\n")
    if header != HEADER_LINE:
        raise ValueError(header)
    table: dict[str, Any] = {}
    for line in lines:
        name, equals, value = line.partition(" = ")
        if not equals or name in table:
            raise ValueError(line)
        table[name] = _inline_table(value) if value.startswith("{") else _flat(json.loads(value))
    if type(table.get("step")) is not int:
        raise ValueError(block)
    return table


def _inline_table(text: str) -> dict[str, Any]:
    """`{ "key" = value, ... }` with JSON keys and values, as entry_toml writes `set`."""
    if not (text.startswith("{ ") and text.endswith(" }")):
        raise ValueError(text)
    table, at = {}, 2
    while at < len(text):
        key, at = _JSON.raw_decode(text, at)
        if not isinstance(key, str) or text[at : at + 3] != " = ":
            raise ValueError(text)
        value, at = _JSON.raw_decode(text, at + 3)
        table[key] = _flat(value)
        if text[at:] == " }":
            return table
        if text[at : at + 2] != ", ":
            raise ValueError(text)
        at += 2
    raise ValueError(text)


def _flat(value: Any) -> Any:
    """`value` when it is what a change holds (a scalar, or a list of scalars); ValueError for
    anything nested deeper, which the TOML reader's depth limit judges instead."""
    if isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, (list, dict)) for v in value)):
        raise ValueError("nested value")
    return value


def parse(
    tables: Any, text: str, source: str, start: RunConfig, start_step: int = 0, last_step: int | None = None
) -> list[Change]:
    """The [[changes]] tables of a run.toml (`tables`, as tomllib read them from `text`) as
    Changes, checked against the starting config `start`: every entry has a whole `step` and one
    known action, every key and value is a setting's, no step lies before the step the run is at
    by then, and none after the run's `last_step` (None: no end) unless a later reset or revert
    took the run back. ReplayError naming `source` and the line otherwise. Linear in the log's
    length: each distinct setting checked once, and the text read for line numbers only when a
    message needs one."""
    if not isinstance(tables, list):
        raise ReplayError(f"{source}: 'changes' must be [[changes]] tables")
    places = _Places(text, source)
    settings = _SettingCheck(start)
    out, now, past_end = [], start_step, None
    for n, table in enumerate(tables):
        where = _TableAt(places, n)
        if not isinstance(table, dict):
            raise ReplayError(f"{where.at(None)}: a change must be a [[changes]] table")
        change = _entry(table, where, settings)
        if change.step < now:
            raise ReplayError(
                f"{where.at('step')}: step {change.step} is in the past (the run is at step {now} by then); "
                "steps must not go back"
            )
        if isinstance(change.command, (cmd.Reset, cmd.RevertLastChange)):
            past_end = None  # the run went back: what came before may lie past its last step
            reached, place = change.step_after(), "to"
        else:
            reached, place = change.step, "step"
        if past_end is None and last_step is not None and reached > last_step:
            past_end = where.at(place), reached
        now = change.step_after()
        out.append(change)
    if past_end is not None:
        line, step = past_end
        raise ReplayError(
            f"{line}: step {step} is past the run's last step {last_step}, and no later reset or revert "
            "takes the run back; a change lies at a step the run reached"
        )
    return out


HEADER = re.compile(r"\s*\[\[\s*changes\s*\]\]")
SHAPE_SECTION = "data."  # the settings a sample's shape follows (dataset, image size, folder)


def check_sample_shapes(changes: list[Change], text: str, source: str, start: RunConfig) -> None:
    """ReplayError naming `source` and the line of the first change that gives the samples another
    shape (image <-> 2D data, another image size) without a reset, which a run refuses live.
    The settings are followed from `start` through every set and reset; a revert is not
    followed (it cannot cross a reset, so it never changes the shape). A combination of
    settings the config refuses ends the check: replaying reports it at its change."""
    places = _Places(text, source)
    config = start
    for n, change in enumerate(changes):
        if "reset" not in change.action and not any(k.startswith(SHAPE_SECTION) for k in change.action.get("set", {})):
            continue  # only the data settings give the samples a shape
        try:
            after = config.with_values(change.action.get("set", {}))
        except ConfigError:
            return
        if "reset" not in change.action and after.data_size != config.data_size:
            where = places.where(n)
            raise ReplayError(
                f"{where.at('set')}: the samples would change shape ({_shape(config)} -> {_shape(after)}) "
                "without a reset; only a reset (reset = true) can change the dataset's sample shape"
            )
        config = after


def _shape(config: RunConfig) -> str:
    """The shape of one sample, e.g. '28 x 28 images of mnist' or '2D points of ring8'."""
    shape = config.image_shape
    kind = "2D points" if shape is None else f"{shape[0]} x {shape[1]} images"
    return f"{kind} of {config.data.dataset}"


class _Where:
    """Where one [[changes]] table is in the file, for error messages: `lines` are the file's,
    the table's header is line `header` (counting from 1; 0: not found) and its body runs up to
    line `end`."""

    def __init__(self, source: str, lines: list[str], header: int, end: int) -> None:
        self.source, self.lines, self.header, self.end = source, lines, header, end

    def at(self, needle: str | None) -> str:
        """`source` line N: the first line of the table containing `needle`, else its header."""
        body = range(self.header, self.end)  # list indices of the lines after the header
        line = next((i + 1 for i in body if needle and needle in self.lines[i]), self.header)
        return f"{self.source} line {line}" if line else self.source


class _Places:
    """The _Where of each [[changes]] table in a run.toml's text, found (in one pass) the first
    time a message needs one: reading a good log never splits its text into lines."""

    def __init__(self, text: str, source: str) -> None:
        self.text, self.source, self._places = text, source, None

    def where(self, n: int) -> _Where:
        if self._places is None:
            self._places = _table_lines(self.text, self.source)
        return self._places[n] if n < len(self._places) else _Where(self.source, [], 0, 0)


class _TableAt:
    """Table `n` of `places`, located only when `at` is asked."""

    def __init__(self, places: _Places, n: int) -> None:
        self.places, self.n = places, n

    def at(self, needle: str | None) -> str:
        return self.places.where(self.n).at(needle)


def _table_lines(text: str, source: str) -> list[_Where]:
    """A _Where for each [[changes]] header in `text`, in order, found in one pass: a table's
    body runs from its header to the next line that starts a table, or to the end."""
    lines = text.splitlines()
    places: list[_Where] = []
    table = None
    for index, line in enumerate(lines):
        if line.lstrip().startswith("["):
            if table is not None:
                table.end = index
            table = _Where(source, lines, index + 1, len(lines)) if HEADER.match(line) else None
            if table is not None:
                places.append(table)
    return places


class _SettingCheck:
    """Checks `set` entries against the starting config, each distinct (key, value) once: a check
    builds a whole config (~0.5 ms), and a log repeats values (a spin box's steps, an lr set back)."""

    def __init__(self, start: RunConfig) -> None:
        self.start = start
        self.problems: dict[tuple[str, str], str | None] = {}  # (key, repr(value)) -> the error, None when valid

    def problem(self, key: str, value: Any) -> str | None:
        """Why `key = value` cannot be set on the starting config, None when it can."""
        token = (key, repr(value))  # repr tells 1 from 1.0 and true, as the config does
        if token not in self.problems:
            try:
                self.start.with_values({key: value})
                self.problems[token] = None
            except ConfigError as exc:
                self.problems[token] = str(exc)
        return self.problems[token]


def _entry(table: dict[str, Any], where: _Where, settings: _SettingCheck) -> Change:
    step = table.get("step")
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise ReplayError(f"{where.at('step')}: each change needs step = a whole number of at least 0 (got {step!r})")
    action = {k: v for k, v in table.items() if k != "step"}
    kinds = [k for k in action if k in ACTIONS]
    unknown = [k for k in action if k not in (*ACTIONS, "to")]
    if unknown:
        raise ReplayError(
            f"{where.at(unknown[0])}: unknown field {unknown[0]!r}; a change has step and one of {', '.join(ACTIONS)}"
        )
    if len(kinds) != 1 and sorted(kinds) != ["reset", "set"]:  # a reset may carry the settings its config changed
        raise ReplayError(
            f"{where.at(None)}: a change has exactly one of {', '.join(ACTIONS)} (got {', '.join(kinds) or 'none'})"
        )
    if "set" in action:
        given = action["set"]
        if not isinstance(given, dict) or not given:
            raise ReplayError(f'{where.at("set")}: set = {{ "key" = value, ... }} with at least one setting')
        for key, value in given.items():
            problem = settings.problem(key, value)
            if problem:
                raise ReplayError(f"{where.at(key)}: {problem}")
    if "apply" in action and action["apply"] not in ("g", "d", BOTH):
        raise ReplayError(f'{where.at("apply")}: apply = "g", "d" or "{BOTH}" (got {action["apply"]!r})')
    for flag in ("d_step", "g_step", "revert", "reset"):
        if flag in action and action[flag] is not True:
            raise ReplayError(f"{where.at(flag)}: {flag} = true (got {action[flag]!r})")
    if "revert" in action:
        to = action.get("to")
        if isinstance(to, bool) or not isinstance(to, int) or not 0 <= to <= step:
            raise ReplayError(
                f"{where.at('revert')}: a revert needs to = the step it went back to, at most its own step {step} (got {to!r})"
            )
    elif "to" in action:
        raise ReplayError(f"{where.at('to')}: 'to' belongs to a revert only")
    return _change(step, action)


def _change(step: int, action: dict[str, Any]) -> Change:
    """The Change of one checked [[changes]] table (a hand-written `set` may name several
    settings: SetParams applies them in order)."""
    if "reset" in action:
        return Change(step, cmd.Reset(), after=action.get("set", {}))
    if "set" in action and len(action["set"]) > 1:
        return Change(step, cmd.SetParams(action["set"]), after=action["set"])
    if "set" in action:
        ((key, value),) = action["set"].items()
        return Change(step, cmd.SetParam(key, value), after={key: value}, outcome=Outcome.PENDING if waits(key) else Outcome.LIVE)
    if "apply" in action:
        return Change(step, cmd.Rebuild(action["apply"]))
    if "revert" in action:
        return Change(step, cmd.RevertLastChange(), to=action["to"])
    return Change(step, cmd.StepOnce("d" if "d_step" in action else "g"))


def replay(
    session,
    changes: list[Change],
    steps: int,
    step: Callable[[], bool],
    source: str = "run.toml",
    limit: int | None = None,
) -> None:
    """Train `session` (fresh, from the starting config) to step `steps`, applying each change
    at its step. `step()` makes one training step and returns False to stop early (a signal).
    With `limit` (`train --replay --steps`) the step count never passes it, whatever the log
    says: the first change that would take the run past it ends the replay there, unapplied.
    ReplayError when the replayed run does not reach a change's step (it diverged before it)
    or a revert goes back elsewhere than the log says."""
    for n, change in enumerate(changes, 1):
        if limit is not None and max(change.step, change.step_after()) > limit:
            _advance(session, limit, step)
            return
        if not _advance(session, change.step, step):
            return
        if session.step_count != change.step:
            raise ReplayError(
                f"{source}: change {n} is at step {change.step}, but the replayed run is at step {session.step_count} there "
                "(it diverged)"
            )
        try:
            session.apply(change.replayed(session))
        except ConfigError as exc:  # what the replayed run refuses at the change (its data, say)
            raise ReplayError(f"{source}: change {n} at step {change.step}: {exc}") from None
        if session.step_count != change.step_after():
            raise ReplayError(
                f"{source}: change {n} should leave the run at step {change.step_after()}, the replay is at {session.step_count}"
            )
    _advance(session, steps, step)


def _advance(session, target: int, step: Callable[[], bool]) -> bool:
    """Step until the step count reaches `target`; False when `step` asked to stop. A divergence
    (the guard restores an earlier step) ends the advance where the guard left the run."""
    while session.step_count < target:
        before = session.step_count
        if not step():
            return False
        if session.step_count <= before:
            return True
    return True
