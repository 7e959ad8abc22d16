"""``python -m varsynth``: the ``varsynth`` command (:func:`varsynth.cli.main`), for environments without
the console script on the PATH."""

import sys

from varsynth.cli import main

sys.exit(main())
