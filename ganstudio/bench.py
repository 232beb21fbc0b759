"""`ganstudio bench`: training steps per second and the fraction of the machine's roofline.

Roofline: the step's matrix products (``GAN.matmul_shapes``) are timed on their own, shape by
shape, with the same BLAS and threads; their summed time is the fastest this step could run if
it did nothing but its unavoidable matrix products at this machine's measured float32 rate for
those shapes. ``roofline_fraction = roofline_time / step_time``. The large-square SGEMM rate
(``peak_gflops``) and ``peak_fraction = step_flops / peak_rate / step_time`` are reported too:
small products never reach the large-square rate on any BLAS, so that figure is lower.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ganstudio.data import BatchIterator, Dataset, DatasetError, load_dataset
from ganstudio.engine.gan import GAN, TrainingSpec
from ganstudio.engine.network import NetworkSpec
from ganstudio.engine.optimizers import OptimizerSpec


@dataclass(frozen=True)
class BenchConfig:
    name: str
    batch: int
    g_hidden: tuple[int, ...]
    d_hidden: tuple[int, ...]

    def build(self, rng: np.random.Generator) -> GAN:
        """The benchmark GAN: ReLU/tanh G, LeakyReLU(0.01) D, non-saturating loss,
        Adam 2e-4 beta1 0.5 for both networks."""
        g = NetworkSpec(100, self.g_hidden, 784, "relu", "tanh")
        d = NetworkSpec(784, self.d_hidden, 1, "leaky_relu", "linear", alpha=0.01)
        opt = OptimizerSpec("adam", 2e-4, beta1=0.5)
        return GAN(g, d, opt, opt, TrainingSpec("non_saturating"), rng)


CONFIGS = (
    BenchConfig("seed-mlp", 64, (128,), (128,)),
    BenchConfig("large-mlp", 256, (1024,), (1024,)),
)


def _best_time(fn: Callable[[], object], repeats: int, number: int) -> float:
    """Best mean seconds per call of `fn` over `repeats` rounds of `number` calls."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def matmul_seconds(m: int, k: int, p: int, rng: np.random.Generator) -> float:
    """Best time of one float32 (m, k) @ (k, p) product on this machine, done the fastest way:
    BLAS, except for k = 1 (an outer product: D's input gradient at its one-logit layer), where
    BLAS is 3-4x slower than the broadcast multiply the step uses (measured). Timing that shape as
    a BLAS product would credit the step with time it never needs (0.6 ms of large-mlp's roofline)."""
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, p), dtype=np.float32)
    out = np.empty((m, p), np.float32)
    flops = 2.0 * m * k * p
    number = max(1, int(2e8 / max(flops, 1.0)))
    product = np.multiply if k == 1 else np.matmul
    return _best_time(lambda: product(a, b, out=out), repeats=5, number=number)


def peak_gflops(rng: np.random.Generator, size: int = 2048) -> float:
    """Measured large-square float32 matmul rate, GFLOP/s."""
    return 2.0 * size**3 / matmul_seconds(size, size, size, rng) / 1e9


def training_data(data_dir: str | None) -> Dataset:
    """MNIST when it is on disk (no download), else the built-in synthetic-digits: real
    (N, 784) images in [-1, 1] either way, so the step includes a real batch gather."""
    try:
        return load_dataset("mnist", data_dir=data_dir, download=False)
    except DatasetError:
        return load_dataset("synthetic-digits")


def bench_config(config: BenchConfig, data: Dataset, seconds: float, peak: float, seed: int = 0, rounds: int = 5) -> dict:
    """Measure one configuration; returns the JSON row. The step and its roofline are timed in
    alternation, `rounds` times, and each figure is the median over rounds: a shared machine's
    speed drifts over seconds, and timing the two apart would compare a fast spell with a slow one."""
    rng = np.random.default_rng(seed)
    gan = config.build(rng)
    batches = BatchIterator(data, config.batch, rng)
    step = lambda: gan.train_step(batches.next, rng, 2e-4, 2e-4)  # noqa: E731
    for _ in range(10):
        step()
    per_round = max(3, int(seconds / rounds / _best_time(step, 1, 3)))

    shapes = gan.matmul_shapes(config.batch)
    flops = sum(2.0 * m * k * p for m, k, p in shapes)
    step_times, roofline_times = [], []
    for _ in range(rounds):
        step_times.append(_best_time(step, repeats=1, number=per_round))
        roofline_times.append(sum(count * matmul_seconds(*shape, rng) for shape, count in Counter(shapes).items()))
    step_time, roofline_time = float(np.median(step_times)), float(np.median(roofline_times))
    return {
        "name": config.name,
        "batch": config.batch,
        "data": data.name,
        "steps_per_s": 1.0 / step_time,
        "ms_per_step": step_time * 1e3,
        "gflop_per_step": flops / 1e9,
        "roofline_ms": roofline_time * 1e3,
        "roofline_fraction": float(np.median(np.array(roofline_times) / np.array(step_times))),
        "peak_fraction": flops / (peak * 1e9) / step_time,
    }


def run_bench(names: list[str] | None = None, seconds: float = 3.0, data_dir: str | None = None) -> dict:
    """Benchmark the named configurations (all by default)."""
    rng = np.random.default_rng(1)
    peak = peak_gflops(rng)
    data = training_data(data_dir)
    chosen = [c for c in CONFIGS if not names or c.name in names]
    return {"peak_gflops": peak, "configs": [bench_config(c, data, seconds, peak) for c in chosen]}


def format_report(result: dict) -> str:
    data = result["configs"][0]["data"] if result["configs"] else ""
    lines = [f"float32 matmul peak (2048^3): {result['peak_gflops']:.0f} GFLOP/s; training data: {data}"]
    lines.append(f"{'config':<12}{'batch':>6}{'steps/s':>10}{'ms/step':>9}{'roofline':>10}{'of peak':>9}")
    for row in result["configs"]:
        lines.append(
            f"{row['name']:<12}{row['batch']:>6}{row['steps_per_s']:>10.1f}{row['ms_per_step']:>9.2f}"
            f"{row['roofline_fraction']:>10.2f}{row['peak_fraction']:>9.2f}"
        )
    return "\n".join(lines)


def main(names: list[str] | None, seconds: float, as_json: bool, data_dir: str | None = None) -> int:
    result = run_bench(names, seconds, data_dir)
    print(json.dumps(result) if as_json else format_report(result))
    return 0
