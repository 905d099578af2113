"""``python -m nnstudio`` runs the same entry point as the ``nnstudio`` command."""

import sys

from nnstudio.cli import main

sys.exit(main())
