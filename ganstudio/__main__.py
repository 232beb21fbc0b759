"""`python -m ganstudio` runs the same entry point as the `ganstudio` console script."""

import sys

from ganstudio.cli.main import main

sys.exit(main())
