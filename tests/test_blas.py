"""The BLAS thread policy: the window's training gives a core back while another program keeps
one busy, and takes it again when the machine is free (real processes, real /proc/stat)."""

import subprocess
import sys
import time

import numpy as np
import pytest

from ganstudio import blas

BUSY_LOOP = [sys.executable, "-c", "while True: pass"]
needs_proc = pytest.mark.skipif(blas._cpu_sample() is None, reason="needs /proc/stat (Linux)")


def busy_for(seconds: float) -> None:
    """Keep this process busy (our own CPU time must never count as another program's)."""
    a = np.ones((200, 200), np.float32)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        a = np.tanh(a @ a * 1e-3)


@needs_proc
def test_another_programs_busy_core_is_seen_and_ours_is_not():
    before = blas._cpu_sample()
    busy_for(1.0)
    assert blas.others_busy(before, blas._cpu_sample()) < 0.5

    with subprocess.Popen(BUSY_LOOP) as other:
        try:
            time.sleep(0.3)
            before = blas._cpu_sample()
            time.sleep(1.2)
            seen = blas.others_busy(before, blas._cpu_sample())
        finally:
            other.kill()
    assert 0.6 < seen < blas.cores() + 0.1


@needs_proc
@pytest.mark.skipif(blas.cores() < 2, reason="one core: nothing to give back")
def test_window_training_gives_a_core_back_and_takes_it_again(monkeypatch):
    monkeypatch.delenv(blas.ENV, raising=False)
    policy = blas.AdaptiveThreads(interval=0.5)
    assert policy.adaptive and policy.threads == blas.cores() == blas.blas_threads_now()
    with subprocess.Popen(BUSY_LOOP) as other:
        try:
            time.sleep(0.6)
            assert policy.update() == blas.cores() - 1
        finally:
            other.kill()
    assert blas.blas_threads_now() == blas.cores() - 1
    time.sleep(0.6)
    assert policy.update() == blas.cores()
    assert blas.blas_threads_now() == blas.cores()


def test_a_fixed_thread_count_never_changes(monkeypatch):
    monkeypatch.setenv(blas.ENV, "1")
    policy = blas.AdaptiveThreads(interval=0.0)
    assert not policy.adaptive and policy.threads == 1 == blas.blas_threads_now()
    with subprocess.Popen(BUSY_LOOP) as other:
        try:
            time.sleep(0.3)
            assert policy.update() is None
        finally:
            other.kill()
    assert blas.blas_threads_now() == 1
    blas.set_blas_threads(blas.cores())  # leave the process as the other tests expect it
