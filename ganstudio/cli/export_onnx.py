"""`ganstudio export-onnx`: a run's generator as an ONNX model (ganstudio.media.onnx_export).

The onnx extra and the output file are checked before the checkpoint is read; the weights are
chosen as `sample` chooses them (--weights, --no-ema)."""

from __future__ import annotations

from ganstudio.cli.options import add_runs_dir, add_weights_options
from ganstudio.cli.sample import checkpoint_gan, chosen_best, saved_best
from ganstudio.config.model import RunConfig
from ganstudio.engine.gan import GAN
from ganstudio.insight.best import drawn_weights
from ganstudio.media.onnx_export import onnx_module, write_generator_onnx
from ganstudio.run.checkpoint import Checkpoint
from ganstudio.runs.folder import check_file_target
from ganstudio.runs.library import run_checkpoint, runs_folder


def add_parser(sub) -> None:
    """The `export-onnx` subcommand on `sub`, the `ganstudio` parser's subparsers."""
    export = sub.add_parser("export-onnx", help="write a run's generator as an ONNX model (needs the onnx extra)")
    export.add_argument("checkpoint", metavar="RUN", help="a run's name, a run folder, or a checkpoint .npz file")
    export.add_argument("-o", "--output", metavar="FILE", required=True, help="the ONNX file to write, e.g. generator.onnx")
    add_runs_dir(export)
    add_weights_options(export)
    export.set_defaults(handler=run_export_onnx)


def shapes_text(gan: GAN, config: RunConfig) -> str:
    """The model's inputs and output in words: "z (N, 100), class (N,) -> images (N, 1, 28, 28)
    in [-1, 1]"."""
    inputs = f"z (N, {gan.latent_size})" + (", class (N,)" if gan.conditional else "")
    if config.image_shape is None:
        return f"{inputs} -> images (N, 2)"
    (h, w), (low, high) = config.image_shape, config.value_range
    return f"{inputs} -> images (N, 1, {h}, {w}) in [{low:g}, {high:g}]"


def run_export_onnx(args) -> int:
    """`ganstudio export-onnx RUN -o FILE`: refusals first, then the model."""
    onnx_module()
    check_file_target(args.output, "-o", "generator.onnx")
    args.checkpoint = str(run_checkpoint(args.checkpoint, runs_folder(args.runs_dir)))
    best = chosen_best(args, saved_best(Checkpoint(args.checkpoint, sections=("insight",))))
    ckpt = Checkpoint(args.checkpoint)
    gan = checkpoint_gan(ckpt, best)
    weights, used = drawn_weights(gan, best, not args.no_ema, ckpt.step)
    description = f"GAN Studio generator of {args.checkpoint}; weights: {used}"
    path = write_generator_onnx(args.output, gan, weights, ckpt.config.image_shape, description)
    print(f"onnx: {path}, {shapes_text(gan, ckpt.config)}; weights: {used}")
    return 0
