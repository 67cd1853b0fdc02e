"""`python -m vidbench`: the command line."""

import sys

from vidbench.cli.app import main

sys.exit(main())
