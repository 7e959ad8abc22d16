"""``varsynth serve``: an interactive explorer and an HTTP generation service (FastAPI + uvicorn).

A thin face over the Python API, like :mod:`varsynth.cli`: the model loads once at start-up;
requests are checked by the same code as the command line (:class:`~varsynth.generation.StarRequest`,
:func:`~varsynth.generation.checks.resolve_cadence`, :class:`~varsynth.generation.GenerationConfig`
and the engine's checks against the model), bounded (:class:`~varsynth.server.limits.Limits`)
and run in worker threads so that the event loop stays responsive. The web framework is an
optional dependency (``pip install 'varsynth[serve]'``); :func:`missing_dependency` says which
part is missing without importing the application.
"""

from __future__ import annotations

import importlib

__all__ = ["INSTALL_HINT", "missing_dependency"]

#: The one line printed when the serve extra is not installed.
INSTALL_HINT = "varsynth serve needs the 'serve' extra: pip install 'varsynth[serve]' (fastapi and uvicorn)"


def missing_dependency() -> str | None:
    """The first of fastapi, uvicorn that is not installed, or ``None`` when both are."""
    for name in ("fastapi", "uvicorn"):
        try:
            importlib.import_module(name)
        except ImportError:
            return name
    return None
