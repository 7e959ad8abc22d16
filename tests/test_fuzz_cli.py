"""Property-based tests of the command line's argument parsing (nothing is run).

Any argument list is either parsed into a command (a ``func`` to call, values of the declared
types) or refused by argparse with exit status 2 (``--help``/``--version``: status 0); no other
exception escapes. Valid option values come back with their types.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math

import pytest
from fuzzing import JUNK_FIELDS, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from varsynth import cli
from varsynth.taxonomy import CLASSES

pytestmark = pytest.mark.fuzz

COMMANDS = [
    ["data", "build"],
    ["data", "crossmatch"],
    ["data", "download"],
    ["data", "collections"],
    ["train"],
    ["generate"],
    ["training-set"],
    ["infer"],
    ["calibrate"],
    ["compare"],
    ["card"],
    ["evaluate"],
    ["bench"],
    ["sweep"],
    ["regress"],
    ["export"],
    ["data"],
    [],
    ["nope"],
]
OPTIONS = [
    "--class",
    "-n",
    "-o",
    "--out",
    "--cadence",
    "--cadence-option",
    "--cadence-file",
    "--teff",
    "--period",
    "--seed",
    "--bands",
    "--format",
    "--plot",
    "--json",
    "--config",
    "--data",
    "--model",
    "--per-class",
    "--classes",
    "--band",
    "--survey",
    "--candidates",
    "--trials",
    "--ra",
    "--dec",
    "--chunk-size",
    "-v",
    "--verbose",
    "--no-noise",
    "--phases",
    "--limit",
    "--arch",
    "--help",
    "--version",
    "--",
    "-",
    "--cad",
    "--o",
]
TOKEN = (
    st.sampled_from(OPTIONS)
    | st.sampled_from(JUNK_FIELDS)
    | st.sampled_from(list(CLASSES))
    | st.text(max_size=10)
    | st.floats().map(repr)
    | st.integers().map(str)
    | st.just("out.parquet")
)


def parse(argv: list[str]) -> tuple[argparse.Namespace | None, int | None]:
    """(namespace, None) or (None, exit status); argparse's messages are swallowed."""
    sink = io.StringIO()
    with contextlib.redirect_stderr(sink), contextlib.redirect_stdout(sink):
        try:
            return cli._parser().parse_args(argv), None
        except SystemExit as stop:
            return None, stop.code


@given(argv=st.tuples(st.sampled_from(COMMANDS), st.lists(TOKEN, max_size=8)).map(lambda c: [*c[0], *c[1]]))
@fuzz_settings()
def test_any_argument_list_parses_or_exits_with_usage_status(argv: list[str]) -> None:
    args, status = parse(argv)
    if args is None:
        assert status in (0, 2)
        assert status == 2 or "--help" in argv or "-h" in argv or "--version" in argv
        return
    assert callable(args.func)
    assert args.command in {c[0] for c in COMMANDS if c}


@given(
    vclass=st.sampled_from(list(CLASSES)),
    n=st.integers(-10, 10**12),
    teff=st.floats(allow_nan=True),
    seed=st.integers(-(2**63), 2**63),
    options=st.lists(st.text(min_size=1), max_size=3),
)
@fuzz_settings()
def test_generate_options_keep_their_values_and_types(
    vclass: str, n: int, teff: float, seed: int, options: list[str]
) -> None:
    # "--teff=-1e+16": argparse takes a separate "-1e+16" for an option (only -N and -N.N are numbers)
    argv = ["generate", "--class", vclass, "-n", str(n), f"--teff={teff!r}", f"--seed={seed}", "-o", "x.csv"]
    for option in options:
        argv += [f"--cadence-option={option}"]
    args, status = parse(argv)
    assert status is None and args is not None
    assert (args.vclass, args.n, args.seed, str(args.out)) == (vclass, n, seed, "x.csv")
    assert args.teff == teff or (math.isnan(teff) and math.isnan(args.teff))
    assert args.cadence_option == (options or None)
    try:
        name, parsed = cli._cadence_options(args)
    except ValueError as error:  # documented: an option without "="
        assert "KEY=VALUE" in str(error) and any("=" not in o for o in options)
        return
    assert name == "ogle3" and all("=" in o for o in options)
    assert set(parsed) == {o.partition("=")[0] for o in options}


@given(value=st.text(max_size=12) | st.sampled_from(JUNK_FIELDS) | st.floats().map(repr) | st.integers().map(str))
@fuzz_settings()
def test_cadence_option_values(value: str) -> None:
    parsed = cli._option_value(value)
    if value.lower() in ("true", "false"):
        assert parsed is (value.lower() == "true")
    elif isinstance(parsed, str):
        assert parsed == value
        with pytest.raises(ValueError):
            float(value)
    else:
        assert float(parsed) == float(value) or (math.isnan(float(value)) and math.isnan(float(parsed)))
