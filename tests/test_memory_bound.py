"""Memory is bounded by epochs, not stars: chunks are capped in epochs and written in slices, so
the peak does not grow with the number of stars however many epochs the cadence gives each."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import varsynth.generation.engine as engine
from varsynth.cadences import get_cadence
from varsynth.generation import StarRequest, iter_generate, load_model


@pytest.fixture(scope="module")
def model():
    return load_model("default")


def _cadence_file(path, n_epochs: int, bands: tuple[str, ...] = ("I",)) -> str:
    t = np.sort(np.random.default_rng(0).uniform(59000.0, 62650.0, n_epochs))
    band = np.resize(np.asarray(bands), n_epochs)
    path.write_text("mjd,band\n" + "".join(f"{x:.6f},{b}\n" for x, b in zip(t, band)))
    return str(path)


def test_chunks_are_capped_in_epochs_and_tables_in_rows(tmp_path, model, monkeypatch):
    cadence = get_cadence("file", path=_cadence_file(tmp_path / "c.csv", 5000, ("I", "V")))
    kwargs = dict(n=7, cadence=cadence, model=model, seed=4, chunk_size=1000)
    whole = list(iter_generate(StarRequest("CEP"), **kwargs))
    monkeypatch.setattr(engine, "CHUNK_EPOCHS", 10_000)
    monkeypatch.setattr(engine, "SLICE_EPOCHS", 3_000)
    assert engine.stars_per_chunk(cadence, 1000) == 2
    sliced = list(iter_generate(StarRequest("CEP"), **kwargs))
    assert max(t.num_rows for t in sliced) <= 3_000 < 5000 < max(t.num_rows for t in whole)
    rows = [sum(t.num_rows for t in tables) for tables in (whole, sliced)]
    assert rows == [7 * 5000] * 2
    column = lambda tables, name: np.concatenate([t[name].to_numpy(zero_copy_only=False) for t in tables])  # noqa: E731
    assert np.array_equal(column(whole, "id"), column(sliced, "id"))  # star then time order kept
    assert np.array_equal(column(whole, "time"), column(sliced, "time"))
    # the noise draws follow the output order: other chunking draws other stars, same shape of numbers
    assert np.all(np.isfinite(column(sliced, "mag"))) and len(set(column(sliced, "id"))) == 7


def test_same_chunks_give_the_same_numbers_whatever_the_slice(tmp_path, model, monkeypatch):
    cadence = get_cadence("file", path=_cadence_file(tmp_path / "c.csv", 4000, ("I", "V")))
    kwargs = dict(n=3, cadence=cadence, model=model, seed=2)
    whole = list(iter_generate(StarRequest("CEP"), **kwargs))
    monkeypatch.setattr(engine, "SLICE_EPOCHS", 1_500)
    sliced = list(iter_generate(StarRequest("CEP"), **kwargs))
    for name in ("time", "mag", "mag_err", "period", "epoch"):
        a, b = (np.concatenate([t[name].to_numpy() for t in tables]) for tables in (whole, sliced))
        assert np.allclose(a, b, rtol=0, atol=1e-5), name  # float32 decoding of other batch shapes


def _peak_rss_mb(tmp_path, cadence: str, n: int) -> float:
    """Peak resident memory (MB) of ``varsynth generate`` in a fresh process."""
    code = (
        "import resource, sys; from varsynth.cli import main; "
        f"code = main(['generate', '--class', 'RRLYR', '--period', '0.55', '--cadence-file', {cadence!r}, "
        f"'-n', '{n}', '--seed', '1', '-o', {str(tmp_path / f'out{n}.parquet')!r}, '--no-progress']); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(code)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.split()[-1]) / 1024


def test_peak_memory_does_not_grow_with_the_stars_of_a_long_cadence(tmp_path):
    cadence = _cadence_file(tmp_path / "long.csv", 200_000)
    one, many = _peak_rss_mb(tmp_path, cadence, 1), _peak_rss_mb(tmp_path, cadence, 12)
    assert many < one + 150, (one, many)  # before: ~80 MB more per star of 2e5 epochs, all in one chunk
