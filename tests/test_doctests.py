"""The examples (``>>>``) in the docstrings of the public API run, and give what they show.

Each module below is the home of names a user meets first (``varsynth.generate``, ``load_model``,
``StarRequest``, ``GenerationConfig``, the cadences, ``LightCurve``, the taxonomy, the bands, the
file writers and LCLIB export). Every one must hold at least one example, so that a module whose
examples were removed fails here instead of silently testing nothing. The examples are cheap and
deterministic: a few stars each, fixed seeds, files in temporary folders.
"""

from __future__ import annotations

import doctest
import importlib

import pytest

#: Modules whose docstring examples run; each must have at least one.
MODULES = (
    "varsynth.generation.engine",  # generate, generate_table, iter_generate, generate_chunks
    "varsynth.generation.config",  # GenerationConfig
    "varsynth.generation.request",  # StarRequest
    "varsynth.generation.model",  # load_model
    "varsynth.generation.output",  # write_lightcurves (and read_table)
    "varsynth.generation.lclib",  # write_lclib / read_lclib
    "varsynth.generation.checks",  # resolve_cadence
    "varsynth.cadences",  # get_cadence, as_cadence
    "varsynth.lightcurve.record",  # LightCurve, PhysParam
    "varsynth.taxonomy",  # ogle_class, crts_class, gaia_dr3_class
    "varsynth.bands",  # band
    "varsynth.data.card",  # the data card groups physics notes over star-specific values
)


def _examples(name: str) -> list[doctest.DocTest]:
    return [t for t in doctest.DocTestFinder().find(importlib.import_module(name)) if t.examples]


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_of_the_public_api_run(name):
    tests = _examples(name)
    assert tests, f"{name} has no docstring examples (>>>); it is listed in tests/test_doctests.py"
    report: list[str] = []
    runner = doctest.DocTestRunner(verbose=False)
    for test in tests:
        runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(report)
    assert result.attempted >= len(tests)


def test_a_wrong_example_fails_the_check():
    """The runner above reports a failing example (it does not pass whatever the docstrings say)."""

    def wrong() -> None:
        """
        >>> 1 + 1
        3
        """

    (test,) = doctest.DocTestFinder().find(wrong, "wrong", globs={})
    report: list[str] = []
    runner = doctest.DocTestRunner(verbose=False)
    runner.run(test, out=report.append)
    assert runner.summarize(verbose=False).failed == 1 and "Expected:\n    3\nGot:\n    2" in "".join(report)
