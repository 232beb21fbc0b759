"""The BLAS thread policy: driven by injected readings (the load other programs put on the
machine, the timings of a workload), so that no test depends on this machine's load; and the
thin readers of the real machine, checked for what they return, never for how busy it is."""

import os
from dataclasses import dataclass, field

import numpy as np
import pytest
from PySide6.QtCore import QThread

from ganstudio.cli.main import main
from ganstudio.config.model import RunConfig
from ganstudio.engine import kernels
from ganstudio.engine.gan import GAN, TrainingSpec
from ganstudio.engine.network import NetworkSpec
from ganstudio.engine.optimizers import OptimizerSpec
from ganstudio.machine import blas, thread_policy
from ganstudio.machine.cpuload import CpuSample, busy_seconds, cpu_sample, others_busy
from ganstudio.machine.thread_policy import Choice, Machine, ThreadPolicy, choose, thread_counts, time_thread_counts
from ganstudio.run import commands as cmd

from support import SMALL_CLI, running_window

SMALL_NET = {1: 1.00e-3, 2: 0.96e-3}  # seconds per step: a 2nd thread gains 4%
LARGE_NET = {1: 50e-3, 2: 30e-3}  # a 2nd thread gains 67%


# -- the rules, a pure function --------------------------------------------------------------------
def test_a_large_network_on_an_idle_machine_uses_every_core():
    assert choose(None, 2, others=0.0, times=LARGE_NET) == Choice(2)
    assert choose(None, 2, others=0.0, times=LARGE_NET).text() == "2 threads"


def test_a_small_network_uses_one_thread_even_on_an_idle_machine():
    choice = choose(None, 2, others=0.0, times=SMALL_NET)
    assert choice.threads == 1 and choice.text() == "1 thread: 2 threads gain only 4% for this network"
    assert choose(None, 2, 0.0, {1: 1e-3, 2: 1.2e-3}).text() == "1 thread: 2 threads are no faster for this network"
    assert choose(None, 2, 0.0, {1: 1e-3, 2: 1e-3 / 1.16}).threads == 2  # 16% is enough


def test_another_programs_busy_core_takes_a_thread_away():
    assert choose(None, 2, others=0.9, times=LARGE_NET).text() == "1 thread: other programs use 0.9 core"
    assert choose(None, 2, others=1.6, times=None).text() == "1 thread: other programs use 1.6 cores"
    assert choose(None, 2, others=0.9, times=None).threads == 1  # not timed yet: by the load alone


def test_the_load_has_a_gap_between_giving_a_core_back_and_taking_it_again():
    assert choose(None, 2, 0.4, LARGE_NET, current=None).threads == 2  # the first choice: taken above half a core
    assert choose(None, 2, 0.6, LARGE_NET, current=2).threads == 1
    assert choose(None, 2, 0.4, LARGE_NET, current=1).threads == 1  # not free enough yet
    assert choose(None, 2, 0.4, LARGE_NET, current=2).threads == 2  # not busy enough to leave
    assert choose(None, 2, 0.2, LARGE_NET, current=1).threads == 2


def test_the_environment_variable_and_a_single_core_decide_alone():
    for others, times in ((0.0, LARGE_NET), (1.9, SMALL_NET), (None, None)):
        assert choose(2, 2, others, times) == Choice(2, "GANSTUDIO_BLAS_THREADS")
        assert choose(1, 2, others, times).text() == "1 thread: GANSTUDIO_BLAS_THREADS"
        assert choose(None, 1, others, times).text() == "1 thread: one core"
    assert choose(None, 2, others=None, times=None) == Choice(2)  # no /proc/stat, nothing timed: every core


def test_many_cores_use_the_fastest_count_less_the_busy_cores():
    assert (
        thread_counts(1) == [1]
        and thread_counts(2) == [1, 2]
        and thread_counts(6) == [1, 2, 4, 6]
        and thread_counts(8) == [1, 2, 4, 8]
    )
    times = {1: 1.0, 2: 0.55, 4: 0.35, 8: 0.40}
    assert choose(None, 8, 0.0, times).text() == "4 threads: the fastest count for this network"
    assert choose(None, 8, 5.7, times).text() == "2 threads: other programs use 5.7 cores"
    assert choose(None, 8, 0.0, {1: 1.0, 2: 0.6, 4: 0.4, 8: 0.3}) == Choice(8)


# -- the policy over time, on a scripted machine -----------------------------------------------------
@dataclass
class ScriptedMachine:
    """A machine whose other programs' load, timings and clock the test sets."""

    times: dict[int, float]
    cores: int = 2
    fixed: int | None = None
    others: float = 0.0  # cores other programs keep busy from now on
    now: float = 100.0
    busy: float = 0.0
    applied: list[int] = field(default_factory=list)
    timed: int = 0

    def advance(self, seconds: float, others: float | None = None) -> None:
        self.others = self.others if others is None else others
        self.now += seconds
        self.busy += self.others * seconds

    def sample(self) -> CpuSample:
        return CpuSample(self.now, self.busy, 0.0)

    def time_counts(self, probe, counts):
        probe()
        self.timed += 1
        self.advance(0.3)  # the timing takes time, and other programs run meanwhile
        return {n: self.times[n] for n in counts}

    def machine(self) -> Machine:
        return Machine(
            lambda: self.cores, lambda: self.fixed, self.sample, lambda: self.now, self.time_counts, self.applied.append
        )


def started(script: ScriptedMachine) -> ThreadPolicy:
    policy = ThreadPolicy(script.machine(), interval=2.0)
    policy.start(lambda: lambda: None)
    return policy


def test_training_gives_a_core_back_while_another_program_is_busy_and_takes_it_again():
    script = ScriptedMachine(LARGE_NET)
    policy = started(script)
    assert policy.choice == Choice(2) and script.applied[-1] == 2
    script.advance(1.0, others=0.9)
    assert policy.update() is None  # checked every 2 s only
    script.advance(1.5)
    assert policy.update() == Choice(1, "other programs use 0.9 core") and script.applied[-1] == 1
    script.advance(2.5)
    assert policy.update() is None and policy.choice.threads == 1
    script.advance(2.5, others=0.0)
    assert policy.update() == Choice(2) and script.applied[-1] == 2
    assert script.timed == 1  # timed once, when the workload started


def test_a_small_network_never_takes_the_risk():
    script = ScriptedMachine(SMALL_NET)
    policy = started(script)
    assert policy.choice.text() == "1 thread: 2 threads gain only 4% for this network" and script.applied == [1]
    for others in (0.0, 0.9, 0.0):
        script.advance(2.5, others)
        assert policy.update() is None and policy.choice.threads == 1


def test_a_timing_taken_while_other_programs_were_busy_is_taken_again_once_they_stop():
    script = ScriptedMachine(SMALL_NET, others=0.9)
    policy = started(script)
    assert policy.times is None and policy.choice.text() == "1 thread: other programs use 0.9 core"
    script.advance(2.5)
    assert policy.update() is None and script.timed == 1  # still busy: no timing
    script.advance(2.5, others=0.0)
    assert policy.update() is None  # timed again, undisturbed: this small network stays at 1 thread
    assert script.timed == 2 and policy.times == SMALL_NET
    assert policy.choice.text() == "1 thread: 2 threads gain only 4% for this network"
    assert started(ScriptedMachine(SMALL_NET, others=0.3)).times == SMALL_NET  # a little load: kept


def test_an_unlucky_first_timing_is_corrected_by_the_next_one_on_a_quiet_machine():
    """A heavy network's first timing read no gain (noise), so it starts on 1 thread; the timing
    taken again a minute later finds the gain and the run moves to 2 threads. Each count keeps
    its fastest time: a later slow reading does not undo the gain."""
    script = ScriptedMachine({1: 50e-3, 2: 48e-3})
    policy = started(script)
    assert policy.choice.threads == 1 and script.timed == 1
    script.times = LARGE_NET
    script.advance(30.0)
    assert policy.update() is None and script.timed == 1  # not yet a minute
    script.advance(31.0)
    assert policy.update() == Choice(2) and script.timed == 2 and script.applied[-1] == 2
    assert policy.times == LARGE_NET
    script.times = {1: 50e-3, 2: 49e-3}  # a noisy reading
    script.advance(61.0)
    assert policy.update() is None and script.timed == 3 and policy.times == LARGE_NET


def test_no_timing_is_taken_again_while_other_programs_are_busy():
    script = ScriptedMachine(LARGE_NET)
    policy = started(script)
    script.advance(61.0, others=0.9)
    assert policy.update() == Choice(1, "other programs use 0.9 core") and script.timed == 1


def test_a_fixed_count_is_set_once_and_never_changes():
    script = ScriptedMachine(LARGE_NET, fixed=1)
    policy = started(script)
    assert policy.choice.text() == "1 thread: GANSTUDIO_BLAS_THREADS" and script.applied == [1] and script.timed == 0
    script.advance(2.5, others=0.0)
    assert policy.update() is None and script.applied == [1]


def test_without_proc_stat_the_timing_alone_decides():
    script = ScriptedMachine(LARGE_NET)
    machine = script.machine()
    policy = ThreadPolicy(Machine(machine.cores, machine.fixed, lambda: None, machine.clock, machine.time_counts, machine.apply))
    assert policy.start(lambda: lambda: None) == Choice(2)
    script.advance(5.0, others=1.0)
    assert policy.update() is None


def test_a_memory_bound_search_runs_on_one_thread_and_the_count_in_use_comes_back():
    script = ScriptedMachine(LARGE_NET)
    policy = started(script)
    assert script.applied == [2]
    with policy.at_most(1):
        assert script.applied == [2, 1]
    assert script.applied == [2, 1, 2] and policy.choice == Choice(2)
    fixed = ScriptedMachine(LARGE_NET, fixed=2)
    with started(fixed).at_most(1):  # GANSTUDIO_BLAS_THREADS decides everywhere
        pass
    assert fixed.applied == [2]


# -- the thin readers of the real machine ------------------------------------------------------------
STAT = """cpu  400 0 100 1000 50 0 0 0 0 0
cpu0 300 0 50 400 25 0 0 0 0 0
cpu1 100 0 50 600 25 0 0 0 0 0
intr 12345 0 0
"""


def test_busy_time_counts_only_our_cores_and_not_idle_or_iowait():
    tick = 1 / os.sysconf("SC_CLK_TCK")
    assert busy_seconds(STAT.splitlines(), None) == pytest.approx(500 * tick)
    assert busy_seconds(STAT.splitlines(), {1}) == pytest.approx(150 * tick)
    assert busy_seconds(STAT.splitlines(), {0, 1}) == pytest.approx(500 * tick)


def test_our_own_cpu_time_never_counts_as_another_programs():
    before = CpuSample(10.0, 100.0, 5.0)
    assert others_busy(before, CpuSample(12.0, 103.0, 7.0)) == pytest.approx(0.5)  # 3 busy, 2 of them ours
    assert others_busy(before, CpuSample(12.0, 104.0, 9.0)) == 0.0  # never below zero
    assert others_busy(before, before) == 0.0


@pytest.mark.skipif(cpu_sample() is None, reason="needs /proc/stat (Linux)")
def test_cpu_sample_reads_this_machine():
    a, b = cpu_sample(), cpu_sample()
    assert b.wall >= a.wall and b.busy >= a.busy > 0 and b.ours >= a.ours > 0


def test_timing_runs_the_probe_at_every_count_and_leaves_the_last():
    seen = []
    try:
        times = time_thread_counts(lambda: seen.append(blas.blas_threads_now()), [1, 2], budget=0.0)
        assert set(times) == {1, 2} and all(t > 0 for t in times.values())
        assert seen == [2, 1, 2] and blas.blas_threads_now() == 2  # one warm-up, then one round
    finally:
        blas.set_blas_threads(blas.cores())  # as the other tests expect the process


class CountSetter(QThread):
    """A training thread as the window runs one: sets the BLAS count, reads it back."""

    def __init__(self, threads):
        super().__init__()
        self.threads, self.seen = threads, None

    def run(self):
        blas.set_blas_threads(self.threads)
        self.seen = blas.blas_threads_now()


@pytest.mark.skipif(blas.cores() < 2, reason="needs 2 cores to tell 1 BLAS thread from 2")
def test_each_training_thread_in_turn_sets_the_count_it_chose(qapp):
    """The window's run after run, each in a QThread of its own, after the main thread had set
    a count: every thread's choice takes effect (threadpoolctl 3.8 used to keep control with the
    first thread that set one, and a finished QThread kept it for ever)."""
    try:
        blas.set_blas_threads(1)
        for threads in (2, 1, 2):
            thread = CountSetter(threads)
            thread.start()
            assert thread.wait(10_000)
            assert thread.seen == threads
            assert kernels.threads() == threads  # the conv products' chunks follow it
        blas.set_blas_threads(1)
        assert blas.blas_threads_now() == 1
    finally:
        blas.set_blas_threads(blas.cores())  # as the other tests expect the process


def test_a_twin_step_leaves_the_gan_and_its_randomness_alone():
    rng = np.random.default_rng(0)
    opt = OptimizerSpec("adam", 2e-4, beta1=0.5)
    gan = GAN(
        NetworkSpec(8, (16,), 12, "relu", "tanh"),
        NetworkSpec(12, (16,), 1, "leaky_relu", "linear"),
        opt,
        opt,
        TrainingSpec("non_saturating"),
        rng,
    )
    weights, state = gan.generator.params.values.copy(), rng.bit_generator.state
    step = gan.twin_step(4)
    metrics = [step() for _ in range(3)]
    assert np.array_equal(gan.generator.params.values, weights) and rng.bit_generator.state == state
    assert all(np.isfinite(m.d_loss) for m in metrics)


# -- where the policy is used ------------------------------------------------------------------------
@pytest.fixture
def one_blas_thread():
    """The scripted machine sets no real thread count: train at 1 (fast on any machine), then
    leave the process at every core, as the other tests expect it."""
    blas.set_blas_threads(1)
    yield
    blas.set_blas_threads(blas.cores())


class LoadArrives(ScriptedMachine):
    """Each look at the clock is a second later; from the `after`-th look on, another program
    keeps `others` cores busy."""

    def __init__(self, times, after: int, others: float) -> None:
        super().__init__(times)
        self.after, self.arriving, self.looks = after, others, 0

    def clock(self) -> float:
        self.looks += 1
        self.advance(1.0, self.arriving if self.looks >= self.after else 0.0)
        return self.now

    def machine(self) -> Machine:
        return Machine(lambda: self.cores, lambda: self.fixed, self.sample, self.clock, self.time_counts, self.applied.append)


def test_headless_training_adapts_between_steps_and_its_progress_line_says_why(tmp_path, monkeypatch, capfd, one_blas_thread):
    script = LoadArrives(LARGE_NET, after=10, others=0.9)
    monkeypatch.setattr(thread_policy, "MACHINE", script.machine())
    monkeypatch.delenv(blas.ENV, raising=False)
    assert main(["train", *SMALL_CLI, "--steps", "30", "--out", str(tmp_path / "run")]) == 0
    progress = [line.strip() for line in capfd.readouterr().err.splitlines() if line.startswith("step ")]
    assert progress[0].endswith("  2 threads") and progress[-1].endswith("  1 thread: other programs use 0.9 core"), progress
    assert script.applied == [2, 1]


def test_the_window_adapts_and_its_status_bar_says_why(qtbot, tmp_path, one_blas_thread):
    script = ScriptedMachine(LARGE_NET)
    small = {"data.dataset": "synthetic-digits", "generator.hidden": "32", "discriminator.hidden": "32"}
    with running_window(qtbot, tmp_path, RunConfig().with_values(small)) as window:
        window.host.worker.blas.machine = script.machine()  # before the first step: nothing chosen yet
        window.submit(cmd.Resume())
        qtbot.waitUntil(lambda: script.applied == [2], timeout=10_000)
        script.advance(2.5, others=0.9)
        qtbot.waitUntil(lambda: script.applied == [2, 1], timeout=10_000)
        qtbot.waitUntil(
            lambda: window.statusBar().currentMessage() == "Matrix products now use 1 thread: other programs use 0.9 core."
        )
        script.advance(2.5, others=0.0)
        qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "Matrix products now use 2 threads.")
