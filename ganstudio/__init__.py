"""GAN Studio: see and steer GAN training. A plain-NumPy GAN engine with a PySide6 front end.

From Python: ``run = ganstudio.new_run("recommended")``, ``run.train(steps=2000)``, ``run.grid()``
(docs/api.md). The API's names are imported on first use (module ``__getattr__``), so ``import
ganstudio`` stays light: no NumPy, no Qt until a name is used.
"""

TYPE_CHECKING = False  # type checkers take it as true; typing is not imported for it

__version__ = "0.1.0"

__all__ = ["CheckpointError", "ConfigError", "DatasetError", "History", "Run", "SampleReport", "new_run", "open_run"]

if TYPE_CHECKING:  # for type checkers and editors; at run time __getattr__ imports them when first used
    from ganstudio.api import CheckpointError, ConfigError, DatasetError, History, Run, SampleReport, new_run, open_run


def __getattr__(name: str):
    """The API's names (ganstudio.api), imported when first asked for."""
    if name in __all__:
        from ganstudio import api

        return getattr(api, name)
    raise AttributeError(f"module 'ganstudio' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
