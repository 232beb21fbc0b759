"""Run a notebook's code cells in plain Python and store their outputs in it, as Jupyter would, so
that examples/notebook.ipynb shows results on GitHub without Jupyter installed here.

    GANSTUDIO_DATA_DIR=../shared/data/mnist python scripts/run_notebook.py examples/notebook.ipynb

Each code cell runs in one namespace; its stdout and stderr become stream outputs, and the value of
its last line, if an expression, becomes the cell's result: a PNG for an object with `_repr_png_`
(a PIL image), else its repr.
"""

import ast
import base64
import contextlib
import io
import json
import sys
from pathlib import Path


def run_cell(source: str, namespace: dict, name: str) -> list[dict]:
    """The outputs of running `source` in `namespace`, in Jupyter's nbformat 4 layout."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        exec(compile(tree, name, "exec"), namespace)
        value = None if last is None else eval(compile(ast.Expression(last.value), name, "eval"), namespace)
    outputs = [{"output_type": "stream", "name": s, "text": t.getvalue()} for s, t in (("stdout", out), ("stderr", err))]
    outputs = [o for o in outputs if o["text"]]
    if value is not None:
        data = {"text/plain": repr(value)}
        if hasattr(value, "_repr_png_"):
            data["image/png"] = base64.b64encode(value._repr_png_()).decode("ascii")
        outputs.append({"output_type": "execute_result", "data": data, "metadata": {}, "execution_count": None})
    return outputs


def main(path: str) -> None:
    notebook = json.loads(Path(path).read_text())
    namespace = {"__name__": "__main__"}
    count = 0
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        count += 1
        cell["outputs"] = run_cell("".join(cell["source"]), namespace, f"cell {count}")
        cell["execution_count"] = count
        for output in cell["outputs"]:
            if output["output_type"] == "execute_result":
                output["execution_count"] = count
    Path(path).write_text(json.dumps(notebook, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
