"""The `ganstudio` command: the dispatcher (main.py) and one module per subcommand."""
