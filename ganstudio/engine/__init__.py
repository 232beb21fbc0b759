"""Pure-NumPy GAN engine: layers, activations, networks, losses, optimizers, schedules, GAN step.

Nothing under this package imports Qt. float32 end to end in the hot path.
"""
