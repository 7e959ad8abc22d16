"""The OGLE downloader under its former path; it lives in :mod:`varsynth.surveys.ogle.download`.

Kept so that code written against ``varsynth.surveys.download`` still imports; new code imports
``varsynth.surveys.ogle.download``.
"""

from varsynth.surveys.ogle.download import *  # noqa: F403
from varsynth.surveys.ogle.download import __all__  # noqa: F401
