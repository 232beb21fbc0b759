"""machine/console.py: while `output_to(log)` holds, whatever this process and its children write
to stdout and stderr (through Python, straight to the file descriptors as Ray's C++ code does,
or from a child process) goes to the log, and the caller's own lines reach the terminal; after
it, stdout and stderr are the terminal's again."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import os, subprocess, sys
    from pathlib import Path
    from ganstudio.machine.console import output_to

    print("before")
    with output_to(Path(sys.argv[1])) as terminal:
        print("print to stdout")
        print("print to stderr", file=sys.stderr)
        os.write(1, b"descriptor 1\\n")
        os.write(2, b"descriptor 2\\n")
        subprocess.run([sys.executable, "-c", "import sys; print('child'); print('child err', file=sys.stderr)"])
        terminal.write("the caller's line\\n")
    print("after")
    print("after, stderr", file=sys.stderr)
    """
)


def test_output_to_sends_every_write_to_the_log_and_the_callers_lines_to_the_terminal(tmp_path):
    log = tmp_path / "ray.log"
    log.write_text("an earlier sweep's lines\n")
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(log)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "before\nafter\n"
    assert result.stderr == "the caller's line\nafter, stderr\n"
    lines = log.read_text().splitlines()
    assert lines[0] == "an earlier sweep's lines"  # appended to, never overwritten
    assert sorted(lines[1:]) == sorted(
        ["print to stdout", "print to stderr", "descriptor 1", "descriptor 2", "child", "child err"]
    )
