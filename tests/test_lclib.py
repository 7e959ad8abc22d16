"""SNANA LCLIB export: known answer against the engine, round trip, format rules, CLI errors, leftovers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from varsynth.cadences import Cadence, Epochs
from varsynth.cli import main
from varsynth.generation import StarRequest, iter_generate, load_model
from varsynth.generation.lclib import PARNAMES, check_lclib, read_lclib, write_lclib

PERIOD = 0.55
PHASES = 16
BANDS = ("g", "r", "i")
SEED = 4


@pytest.fixture(scope="module")
def model():
    return load_model("default")


@pytest.fixture(scope="module")
def library(model, tmp_path_factory):
    path = tmp_path_factory.mktemp("lclib") / "rrl.LCLIB"
    report = write_lclib(
        path, StarRequest("RRLYR", "RRab", period=PERIOD), n=3, bands=BANDS, phases=PHASES, model=model, seed=SEED
    )
    return path, report


class _FixedTimes(Cadence):
    """Days ``k * PERIOD / PHASES`` in every band: one cycle of a star of period PERIOD."""

    name, survey, bands, error_model = "fixed", "lsst", BANDS, None

    def draw(self, rng: np.random.Generator) -> Epochs:
        t = np.repeat(np.arange(PHASES) / PHASES * PERIOD, len(BANDS))
        return Epochs(t, np.tile(np.asarray(BANDS), PHASES), np.full(t.size, np.nan))


def test_templates_equal_the_engines_noiseless_magnitudes_at_the_same_phases(model, library):
    path, report = library
    lib = read_lclib(path)
    request = StarRequest("RRLYR", "RRab", period=PERIOD, epoch=0.0)
    engine = [
        t.to_pydict() for t in iter_generate(request, n=3, cadence=_FixedTimes(), model=model, seed=SEED, noise=False)
    ]
    rows = {k: np.concatenate([np.asarray(t[k]) for t in engine]) for k in ("id", "band", "time", "mag", "teff")}
    assert report["stars"] == 3 and report["filters"] == "gri" and lib.filters == "gri"
    for event, star_id in zip(lib.events, sorted(set(rows["id"].tolist()))):
        for j, b in enumerate(BANDS):
            sel = (rows["id"] == star_id) & (rows["band"] == b)
            np.testing.assert_allclose(event.mag[:-1, j], rows["mag"][sel], atol=5.1e-5)
            np.testing.assert_allclose(event.day[:-1], rows["time"][sel], rtol=1e-8, atol=1e-12)
        np.testing.assert_array_equal(event.mag[-1], event.mag[0])  # the closing row repeats phase 0
        period = event.parval[PARNAMES.index("PERIOD")]
        assert event.day[0] == 0.0 and event.day[-1] - event.day[0] == period == pytest.approx(PERIOD)
        assert event.parval[PARNAMES.index("TEFF")] == pytest.approx(rows["teff"][rows["id"] == star_id][0], rel=1e-8)
        assert set(event.keys.tolist()) == {"S"} and len(event.day) == PHASES + 1


def test_round_trip_header_parameters_and_templates(library):
    path, _ = library
    lib = read_lclib(path)
    text = Path(path).read_text().splitlines()
    assert lib.header["SURVEY"] == "LSST" and lib.header["RECUR_CLASS"] == "RECUR-PERIODIC"
    assert lib.header["NEVENT"] == "3" and lib.parnames == PARNAMES and "PURPOSE:" in lib.documentation
    assert "templates of synthetic RRLYR subtype RRab light curves" in lib.documentation
    assert "\n  PARAMS:\n  - CLASS: class code (0 ACEP" in lib.documentation  # the keys SNANA's docs list
    table = lib.parameters()
    assert table.colnames == ["EVENT_ID", *PARNAMES] and table["EVENT_ID"].tolist() == [0, 1, 2]
    assert set(table["CLASS"]) == {6.0} and set(table["SUBTYPE"]) == {1.0} and set(table["EXTRAP"]) == {0.0}
    first = text.index("START_EVENT: 0")
    rows = [line.split()[1:] for line in text[first:] if line.startswith("S: ")][: PHASES + 1]
    np.testing.assert_array_equal(lib.events[0].mag, np.array(rows, dtype=float)[:, 1:])  # as printed
    assert check_lclib(path) == []


def test_documentation_block_names_the_request_and_snanas_keys():
    from varsynth.generation.lclib import _documentation

    def doc(request):
        return _documentation(request, survey="LSST", phases=16, seed=4, model_name="default", subtypes=["RRab", "RRc"])

    lines = doc(StarRequest("RRLYR", "RRab"))
    assert lines[:2] == [
        "DOCUMENTATION:",
        "  PURPOSE: noiseless one-cycle templates of synthetic RRLYR subtype RRab light curves, LSST filters",
    ]
    assert "synthetic RRLYR light curves" in doc(StarRequest("RRLYR"))[1]
    for key in ("  REF:", "  USAGE_KEY: GENMODEL", "  NOTES:", "  PARAMS:"):  # the keys SNANA's DOCUMENTATION lists
        assert key in lines, key
    assert lines[lines.index("  PARAMS:") + 2] == "  - SUBTYPE: subtype code (-9 none; 0 RRab; 1 RRc)"


def _broken(path: Path, tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    text = path.read_text()
    assert old in text, old
    out = tmp_path / "broken.LCLIB"
    out.write_text(text.replace(old, new, count))
    return out


@pytest.mark.parametrize(
    "old, new, problem",
    [
        ("NROW: 17", "NROW: 16", "NROW 16 but 17"),
        ("FILTERS: gri", "FILTERS: ggi", "single letters"),
        ("RECUR_CLASS: RECUR-PERIODIC", "RECUR_CLASS: SOMETIMES", "RECUR_CLASS"),
        ("NEVENT: 3", "NEVENT: 4", "NEVENT: 4 but 3 events"),
        ("  USAGE_KEY: GENMODEL", "  USAGE_KEY: GENMODEL FILTERS:", "inside the documentation"),
        ("END_EVENT: 1", "END_EVENT: 7", "closes event 1"),
        ("DOCUMENTATION:\n", "", "does not start with a DOCUMENTATION"),
        ("MODEL_PARNAMES: CLASS,", "MODEL_PARNAMES: EXTRA,CLASS,", "PARVAL values for 9"),
        ("NEVENT: 3", "NEVENT: 3\nNEVENT: 3", "NEVENT: given twice"),
        ("RECUR_CLASS: RECUR-PERIODIC\n", "", "header key RECUR_CLASS: missing"),
        ("PARVAL: 6 1", "PARVAL: 6 x", "PARVAL value 'x' must be a finite number of at most"),
        ("0.55 18.477 0 0", "0.56 18.477 0 0", "the S: rows span 0.55 days, PERIOD is 0.56"),
        ("START_EVENT: 1", "START_EVENT:", "END_EVENT: 1 closes event "),
    ],
)
def test_format_check_names_each_broken_rule(library, tmp_path, old, new, problem):
    problems = check_lclib(_broken(library[0], tmp_path, old, new))
    assert any(problem in p for p in problems), problems


def test_format_check_accepts_the_alternative_keywords(library, tmp_path):
    # RECUR_TYPE for RECUR_CLASS and NOBS: for NROW: (SNANA reads both)
    alternative = _broken(library[0], tmp_path, "RECUR_CLASS:", "RECUR_TYPE:")
    assert check_lclib(alternative) == []
    alternative.write_text(alternative.read_text().replace("NROW: 17", "NOBS: 17"))
    assert check_lclib(alternative) == [] and read_lclib(alternative).header["RECUR_TYPE"] == "RECUR-PERIODIC"


def test_format_check_gives_the_line_of_an_unclosed_event(library, tmp_path):
    broken = _broken(library[0], tmp_path, "END_EVENT: 0\n", "")
    line = broken.read_text().splitlines().index("START_EVENT: 1") + 1
    assert f"line {line}: START_EVENT: before the END_EVENT: of event 0" in check_lclib(broken)


def test_format_check_catches_bad_rows(library, tmp_path):
    path = library[0]
    lines = path.read_text().splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("S: ")) + 1  # event 0, second row
    cases = {
        "magnitudes for 3 FILTERS": " ".join(lines[i].split()[:-1]),
        "not a finite number": lines[i].rsplit(" ", 1)[0] + " nan",
        "outside [5": lines[i].rsplit(" ", 1)[0] + " 4.2000",
        "days decrease": "S: 9 20.0 20.0 20.0",
        "characters (the reader's limit": lines[i] + " " * 200,
    }
    for problem, row in cases.items():
        out = tmp_path / "rows.LCLIB"
        out.write_text("\n".join([*lines[:i], row, *lines[i + 1 :]]) + "\n")
        assert any(problem in p for p in check_lclib(out)), (problem, check_lclib(out))
    last = max(k for k, line in enumerate(lines[: lines.index("END_EVENT: 0")]) if line.startswith("S: "))
    out = tmp_path / "open.LCLIB"
    out.write_text("\n".join([*lines[:last], lines[last].rsplit(" ", 1)[0] + " 25.0000", *lines[last + 1 :]]) + "\n")
    assert any("differ from the first" in p for p in check_lclib(out))


def _refuse_model(monkeypatch):
    def no_model(*args, **kwargs):
        raise AssertionError("the model was loaded before the input check")

    monkeypatch.setattr("varsynth.generation.model.load_model", no_model)


@pytest.mark.parametrize(
    "args, words",
    [
        (["--bands", "g", "q"], "'q' is not a band of survey 'lsst'"),
        (["-n", "0"], "n (-n) must be an integer >= 1"),
        (["--phases", "1"], "phases (--phases)"),
        (["--period", "-2"], "period must be"),
        (["--survey", "nowhere"], "survey (--survey)"),
        (["--seed", "-1"], "seed (--seed) must be an integer >= 0"),
        (["-n", "100000000000000"], "would take up to"),
    ],
)
def test_cli_refuses_bad_input_before_the_model_loads(tmp_path, capsys, monkeypatch, args, words):
    _refuse_model(monkeypatch)
    code = main(["export", "--format", "lclib", "--class", "RRLYR", *args, "-o", str(tmp_path / "x.LCLIB")])
    err = capsys.readouterr().err
    assert code == 2 and words in err and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_unwritable_paths(tmp_path, capsys, monkeypatch):
    _refuse_model(monkeypatch)
    (tmp_path / "file").write_text("x")
    for out in (tmp_path / "file" / "x.LCLIB", tmp_path):
        code = main(["export", "--format", "lclib", "--class", "RRLYR", "-o", str(out)])
        err = capsys.readouterr().err
        assert code == 2 and "output (-o)" in err and err.count("\n") == 1, err
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_cli_failures_after_the_model_loads_leave_nothing(tmp_path, capsys):
    base = ["export", "--format", "lclib", "--class", "RRLYR", "--phases", "4", "--no-progress", "-o"]
    out = tmp_path / "x.LCLIB"
    assert main([*base, str(out), "--distance-modulus", "-4.9"]) == 2  # magnitudes brighter than SNANA's 5
    assert "--distance-modulus" in capsys.readouterr().err.splitlines()[-1]
    assert main([*base, str(out), "--bands", "g", "Y"]) == 2  # LSST y lies beyond the trained wavelengths
    assert "--allow-extrapolation" in capsys.readouterr().err.splitlines()[-1]
    assert list(tmp_path.iterdir()) == []


def test_cli_writes_drawn_periods_and_extrapolated_bands(tmp_path, capsys):
    out = tmp_path / "x.LCLIB"
    code = main(
        [
            "export",
            "--format",
            "lclib",
            "--class",
            "CEP",
            "-n",
            "3",
            "--phases",
            "8",
            "--bands",
            "r",
            "Y",
            "--allow-extrapolation",
            "--seed",
            "2",
            "--no-progress",
            "-o",
            str(out),
        ]
    )
    assert code == 0 and "3 templates" in capsys.readouterr().out
    lib = read_lclib(out)
    table = lib.parameters()
    assert lib.filters == "rY" and set(table["EXTRAP"]) == {1.0} and len(set(table["PERIOD"])) == 3
    assert check_lclib(out) == []  # every event spans its own PERIOD
    assert [p.name for p in tmp_path.iterdir()] == ["x.LCLIB"]


def test_reader_reads_gzipped_libraries(library, tmp_path):
    import gzip

    path = library[0]
    packed = tmp_path / "rrl.LCLIB.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    plain, unpacked = read_lclib(path), read_lclib(packed)
    assert plain.header == unpacked.header and check_lclib(packed) == []
    for a, b in zip(plain.events, unpacked.events, strict=True):
        assert a.id == b.id and np.array_equal(a.mag, b.mag) and np.array_equal(a.parval, b.parval)


def test_reader_loads_without_torch(library):
    import subprocess
    import sys

    code = (
        f"import sys; from varsynth.generation import read_lclib; read_lclib({str(library[0])!r}); "
        "print('torch' in sys.modules)"
    )
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        == "False"
    )


def test_unknown_physics_is_written_as_snanas_missing_value(model, tmp_path):
    path = tmp_path / "acep.LCLIB"
    write_lclib(
        path, StarRequest("ACEP"), n=2, phases=4, model=model, seed=1
    )  # none of the 98 training ACEPs has a Teff
    table = read_lclib(path).parameters()
    assert set(table["TEFF"]) == {-999.0} and np.isfinite(table["ABSMAG_G"]).all()
    assert check_lclib(path) == []
