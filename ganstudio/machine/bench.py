"""`ganstudio bench`: training steps per second and the fraction of the machine's roofline.

Roofline: the step's matrix products (:func:`matmul_shapes`) are timed on their own, shape by
shape, with the same BLAS and threads; their summed time is the fastest this step could run if
it did nothing but its unavoidable matrix products at this machine's measured float32 rate for
those shapes. ``roofline_fraction = roofline_time / step_time``. The large-square SGEMM rate
(``peak_gflops``) and ``peak_fraction = step_flops / peak_rate / step_time`` are reported too:
small products never reach the large-square rate on any BLAS, so that figure is lower.

All three are timed at the BLAS thread count `train` would choose for the configuration
(ganstudio.machine.thread_policy), fixed while measuring. A measurement is marked disturbed when
other programs kept a core busy during it (/proc/stat) or its rounds disagree widely: its figures
are printed with the reason, for a busy laptop still learns something from them. A fraction above
1 is impossible (its timings saw different machines): that row is no result. Progress goes to
stderr.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from ganstudio.config.presets import load_preset
from ganstudio.data import BatchIterator, Dataset, DatasetError, load_dataset
from ganstudio.engine.conv import Conv2d, ConvTranspose2d
from ganstudio.engine.convnet import ConvNet, Reshape
from ganstudio.engine.gan import GAN, TrainingSpec
from ganstudio.engine.layers import Dense
from ganstudio.engine.network import MLP, NetworkSpec
from ganstudio.engine.optimizers import OptimizerSpec
from ganstudio.machine.blas import cores
from ganstudio.machine.cpuload import cpu_sample, others_busy
from ganstudio.machine.progress_line import ProgressLine
from ganstudio.machine.thread_policy import ThreadPolicy

T = TypeVar("T")
DISTURBED_LOAD = 0.25  # other programs' cores during a measurement that make it no result
DISAGREE = 1.5  # slowest / fastest round's step time above which rounds disagree


@dataclass(frozen=True)
class BenchConfig:
    """An MLP GAN of one hidden layer each (`g_hidden`, `d_hidden`), or the networks of a
    shipped `preset` (the conv nets of "dcgan"); `batch` should be the preset's."""

    name: str
    batch: int
    g_hidden: tuple[int, ...] = ()
    d_hidden: tuple[int, ...] = ()
    preset: str = ""

    def specs(self) -> tuple[NetworkSpec, NetworkSpec]:
        """(G, D): ReLU/tanh G and LeakyReLU(0.01) D MLPs, or the preset's networks."""
        if self.preset:
            config = load_preset(self.preset)
            return config.generator_spec(), config.discriminator_spec()
        g = NetworkSpec(100, self.g_hidden, 784, "relu", "tanh")
        d = NetworkSpec(784, self.d_hidden, 1, "leaky_relu", "linear", alpha=0.01)
        return g, d

    def build(self, rng: np.random.Generator) -> GAN:
        """The benchmark GAN: its two networks, non-saturating loss, Adam 2e-4 beta1 0.5 for both."""
        opt = OptimizerSpec("adam", 2e-4, beta1=0.5)
        return GAN(*self.specs(), opt, opt, TrainingSpec("non_saturating"), rng)


CONFIGS = (
    BenchConfig("seed-mlp", 64, (128,), (128,)),
    BenchConfig("large-mlp", 256, (1024,), (1024,)),
    BenchConfig("dcgan", 64, preset="dcgan"),
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
    BLAS is slower than the broadcast multiply the step uses. Timing that shape as a BLAS product
    would credit the step with time it never needs (docs/DESIGN.md, "`ganstudio bench` roofline")."""
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, p), dtype=np.float32)
    out = np.empty((m, p), np.float32)
    flops = 2.0 * m * k * p
    number = max(1, int(2e8 / max(flops, 1.0)))
    product = np.multiply if k == 1 else np.matmul
    return _best_time(lambda: product(a, b, out=out), repeats=5, number=number)


def peak_gflops(rng: np.random.Generator, size: int = 2048) -> float:
    """Measured large-square float32 matmul rate at the current thread count, GFLOP/s."""
    return 2.0 * size**3 / matmul_seconds(size, size, size, rng) / 1e9


def busy_reason(others: dict[str, float | None]) -> str | None:
    """Whether other programs kept cores busy during the labelled timings (/proc/stat loads;
    None: unknown), in words."""
    busy = {part: load for part, load in others.items() if load is not None and load > DISTURBED_LOAD}
    if len(busy) == 1:
        return "other programs used {1:.1f} core during {0}".format(*busy.popitem())
    if busy:
        return f"other programs used up to {max(busy.values()):.1f} core during {len(busy)} of its {len(others)} timings"
    return None


def spread_reason(values: list[float], unit: str) -> str | None:
    """Whether the rounds' `values` disagree widely (the largest above DISAGREE times the smallest)."""
    low, high = min(values), max(values)
    return f"rounds disagree: {low:.3g}-{high:.3g} {unit}" if high > DISAGREE * low else None


def disturbance(
    others: dict[str, float | None], step_times: list[float], roofline_fraction: float, peak_fraction: float
) -> str | None:
    """Why a measurement is no result, or None: other programs busy during a part of it, an
    impossible fraction (above 1: its two timings saw different machines), or rounds whose step
    times disagree widely."""
    reasons = [
        busy_reason(others),
        f"roofline fraction {roofline_fraction:.2f} is above 1" if roofline_fraction > 1.0 else None,
        f"peak fraction {peak_fraction:.2f} is above 1" if peak_fraction > 1.0 else None,
        spread_reason([1.0 / t for t in step_times], "steps/s"),
    ]
    return "; ".join(r for r in reasons if r) or None


def others_during(fn: Callable[[], T]) -> tuple[T, float | None]:
    """`fn()`'s result and the cores other programs kept busy meanwhile (None: unknown)."""
    before = cpu_sample()
    result = fn()
    after = cpu_sample()
    return result, None if before is None or after is None else others_busy(before, after)


def training_data(data_dir: str | None) -> Dataset:
    """MNIST when it is on disk (no download), else the built-in synthetic-digits: real
    (N, 784) images in [-1, 1] either way, so the step includes a real batch gather."""
    try:
        return load_dataset("mnist", data_dir=data_dir, download=False)
    except DatasetError:
        return load_dataset("synthetic-digits")


def matmul_shapes(gan: GAN, n: int) -> list[tuple[int, int, int]]:
    """The (m, k, p) shapes of every matrix product one ``gan.train_step`` on batches of n
    performs (an (m, k) @ (k, p) product costs 2 m k p FLOPs), in the order they run: the FLOP
    model that the bench divides by the machine's matmul rate. It mirrors GAN.train_step (kept
    next to the bench, not in the engine, because only the bench needs it): a change to the
    step's products must be made here too (tests/test_bench.py counts them)."""
    g, d = gan.generator, gan.discriminator
    shapes: list[tuple[int, int, int]] = []
    for _ in range(max(1, int(gan.training.d_steps))):
        shapes += [f for f, _, _ in layer_products(g, n)]  # G forward
        shapes += [f for f, _, _ in layer_products(d, 2 * n)]  # D forward, real + fake stacked
        shapes += [w for _, w, _ in layer_products(d, 2 * n)]  # D weight gradients
        shapes += [x for _, _, x in layer_products(d, 2 * n)[1:]]  # D input gradients, hidden layers
    shapes += [f for f, _, _ in layer_products(d, n)]  # G step: D forward on the fake batch
    shapes += [x for _, _, x in layer_products(d, n)]  # D input gradients down to the samples
    shapes += [w for _, w, _ in layer_products(g, n)]  # G weight gradients
    shapes += [x for _, _, x in layer_products(g, n)[1:]]  # G input gradients, hidden layers
    return shapes


Product = tuple[int, int, int]


def layer_products(net: MLP | ConvNet, n: int) -> list[tuple[Product, Product, Product]]:
    """Per weight layer of `net` on n rows, the (m, k, p) shapes of its three products: forward,
    weight gradient, input gradient. A dense layer a -> b: (n, a, b), (a, n, b), (n, b, a). A
    convolution is one product over its im2col columns, m = n H_out W_out rows of k k C_in; a
    transposed convolution multiplies the n H W input pixels by the (C_in, k k C_out) kernel."""
    out: list[tuple[Product, Product, Product]] = []
    side = 0  # the current image side, set by the reshape to an image
    for layer in net.layers:
        if isinstance(layer, Reshape) and layer.to_image:
            side = layer.h
        elif isinstance(layer, Dense):
            a, b = layer.in_features, layer.out_features
            out.append(((n, a, b), (a, n, b), (n, b, a)))
        elif isinstance(layer, Conv2d):
            side = layer.output_size(side)
            m, k, p = n * side * side, layer.kernel**2 * layer.in_channels, layer.out_channels
            out.append(((m, k, p), (k, m, p), (m, p, k)))
        elif isinstance(layer, ConvTranspose2d):
            m, k, p = n * side * side, layer.in_channels, layer.kernel**2 * layer.out_channels
            out.append(((m, k, p), (k, m, p), (m, p, k)))
            side = layer.output_size(side)
    return out


def bench_config(
    config: BenchConfig,
    data: Dataset,
    seconds: float,
    peaks: dict[int, tuple[float, float | None]],
    progress: Callable[[str], None] = lambda text: None,
    seed: int = 0,
    rounds: int = 5,
) -> dict:
    """Measure one configuration; returns the JSON row. BLAS threads as `train` would choose them
    for this network, fixed while measuring. The step and its roofline are timed in alternation,
    `rounds` times, and each figure is the median over rounds: a shared machine's speed drifts
    over seconds, and timing the two apart would compare a fast spell with a slow one. `peaks`:
    the large-square rate (and other programs' load meanwhile) per thread count, filled in here."""
    rng = np.random.default_rng(seed)
    gan = config.build(rng)
    batches = BatchIterator(data, config.batch, rng)
    step = lambda: gan.train_step(batches.next, rng, 0, 0)  # noqa: E731  (a constant schedule: the clock does not matter)
    progress(f"bench {config.name}: choosing BLAS threads")
    choice = ThreadPolicy().start(lambda: gan.twin_step(config.batch))
    if choice.threads not in peaks:
        progress(f"bench {config.name}: large-square matmul rate at {choice.text()}")
        peaks[choice.threads] = others_during(lambda: peak_gflops(np.random.default_rng(1)))
    peak, peak_others = peaks[choice.threads]
    for _ in range(10):
        step()
    per_round = max(3, int(seconds / rounds / _best_time(step, 1, 3)))

    shapes = matmul_shapes(gan, config.batch)
    flops = sum(2.0 * m * k * p for m, k, p in shapes)
    step_times, roofline_times, others = [], [], {"the peak rate's timing": peak_others}

    def one_round() -> tuple[float, float]:
        return (
            _best_time(step, repeats=1, number=per_round),
            sum(count * matmul_seconds(*shape, rng) for shape, count in Counter(shapes).items()),
        )

    for i in range(1, rounds + 1):
        progress(f"bench {config.name}: round {i}/{rounds} ({choice.text()})")
        (step_time, roofline_time), others[f"round {i} of {rounds}"] = others_during(one_round)
        step_times.append(step_time)
        roofline_times.append(roofline_time)
    step_time, roofline_time = float(np.median(step_times)), float(np.median(roofline_times))
    roofline_fraction = float(np.median(np.array(roofline_times) / np.array(step_times)))
    peak_fraction = flops / (peak * 1e9) / step_time
    disturbed = disturbance(others, step_times, roofline_fraction, peak_fraction)
    return {
        "name": config.name,
        "batch": config.batch,
        "data": data.name,
        "blas_threads": choice.threads,
        "blas_threads_why": choice.text(),
        "steps_per_s": 1.0 / step_time,
        "ms_per_step": step_time * 1e3,
        "gflop_per_step": flops / 1e9,
        "roofline_ms": roofline_time * 1e3,
        "roofline_fraction": roofline_fraction,
        "peak_gflops": peak,
        "peak_fraction": peak_fraction,
        "disturbed": disturbed is not None,
        "disturbance": disturbed,
        "impossible": roofline_fraction > 1.0 or peak_fraction > 1.0,
    }


def run_bench(
    names: list[str] | None = None,
    seconds: float = 3.0,
    data_dir: str | None = None,
    progress: Callable[[str], None] = lambda text: None,
) -> dict:
    """Benchmark the named configurations (all by default); `progress(text)` says what it measures."""
    data = training_data(data_dir)
    chosen = [c for c in CONFIGS if not names or c.name in names]
    peaks: dict[int, tuple[float, float | None]] = {}
    return {"cores": cores(), "configs": [bench_config(c, data, seconds, peaks, progress) for c in chosen]}


def format_report(result: dict) -> str:
    rows = result["configs"]
    data = rows[0]["data"] if rows else ""
    rates = {row["blas_threads"]: row["peak_gflops"] for row in rows}
    peaks = ", ".join(f"{rate:.0f} GFLOP/s at {n} thread{'' if n == 1 else 's'}" for n, rate in sorted(rates.items()))
    lines = [f"float32 matmul peak (2048^3): {peaks}; training data: {data}; {result['cores']} cores"]
    lines.append(f"{'config':<12}{'batch':>6}{'steps/s':>10}{'ms/step':>9}{'roofline':>10}{'of peak':>9}  BLAS")
    for row in rows:
        head = f"{row['name']:<12}{row['batch']:>6}"
        if row["impossible"]:
            lines.append(
                f"{head}  disturbed, no result: {row['disturbance']} ({row['blas_threads_why']}); rerun on an idle machine"
            )
            continue
        said = f"  disturbed: {row['disturbance']}; rerun on an idle machine to compare" if row["disturbed"] else ""
        lines.append(
            f"{head}{row['steps_per_s']:>10.1f}{row['ms_per_step']:>9.2f}"
            f"{row['roofline_fraction']:>10.2f}{row['peak_fraction']:>9.2f}  {row['blas_threads_why']}{said}"
        )
    return "\n".join(lines)


def main(names: list[str] | None, seconds: float, as_json: bool, data_dir: str | None = None) -> int:
    line = ProgressLine()
    result = run_bench(names, seconds, data_dir, progress=lambda text: line.show(text, force=True))
    line.message(f"bench: measured {len(result['configs'])} configuration{'' if len(result['configs']) == 1 else 's'}")
    print(json.dumps(result) if as_json else format_report(result))
    return 0
