"""The nested Parquet format: one row per star, its epochs nested, the same values as the long format.

Files of 3 classes x 20 stars at the OGLE-III cadence (seed 5) are written in both formats by the
same run settings, with the engine's output tables cut to 4,096 rows so that stars span tables.
"""

from __future__ import annotations

import json
from pathlib import Path

import nested_pandas as npd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_writers import assert_same, long_chunk, resident_bytes

import varsynth.generation.engine as engine
import varsynth.generation.output as output
from varsynth.cadences import get_cadence
from varsynth.cli import main
from varsynth.generation import GenerationConfig, StarRequest, generate_chunks, load_model, write_training_set, writers
from varsynth.generation.checks import check_run
from varsynth.generation.nested import NESTED_COLUMN, STAR_COLUMNS, NestedRows, to_long
from varsynth.generation.writers import LONG_SCHEMA, LightCurveWriter, read_nested, read_table

CLASSES = ["RRLYR", "CEP", "ECL"]
PER_CLASS = 20
SLICE = 4096  # output tables of the engine in this module (rows); default 65,536


@pytest.fixture(scope="module")
def model():
    return load_model("default")


@pytest.fixture(scope="module")
def files(model, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("nested")
    out = {"long": folder / "long.parquet", "nested": folder / "nested.parquet"}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine, "SLICE_EPOCHS", SLICE)
        for fmt, path in (("parquet", out["long"]), ("nested", out["nested"])):
            write_training_set(
                path, per_class=PER_CLASS, classes=CLASSES, cadence="ogle3", model=model, seed=5, fmt=fmt
            )
    return out


def test_stars_span_the_engines_tables_in_this_setting(model, monkeypatch):
    """The case the writer must handle: one star's epochs in two consecutive tables."""
    monkeypatch.setattr(engine, "SLICE_EPOCHS", SLICE)
    config = GenerationConfig(StarRequest("RRLYR"), get_cadence("ogle3"), n=PER_CLASS, seed=5)
    tables = list(generate_chunks(config, model))
    assert len(tables) > 1 and all(t.num_rows <= SLICE for t in tables)
    spanning = [a["id"][-1].as_py() for a, b in zip(tables, tables[1:], strict=False) if a["id"][-1] == b["id"][0]]
    assert spanning, "no star spans two tables: the test would not exercise the carry-over"


def test_nested_pandas_reads_one_row_per_star_with_its_epochs(files):
    long = pq.read_table(files["long"]).to_pandas()
    nf = npd.read_parquet(files["nested"])
    ids = long["id"].drop_duplicates().tolist()
    assert len(nf) == len(CLASSES) * PER_CLASS == len(ids) and nf["id"].tolist() == ids
    assert nf["vclass"].value_counts().to_dict() == dict.fromkeys(CLASSES, PER_CLASS)
    assert list(nf.columns) == [*STAR_COLUMNS, NESTED_COLUMN]
    assert nf[NESTED_COLUMN].nest.columns == ["time", "band", "mag", "mag_err", "extrapolated"]
    counts = long.groupby("id", sort=False).size()
    assert list(nf[NESTED_COLUMN].nest.len()) == counts.loc[ids].tolist() and counts.min() > 100
    first = long.groupby("id", sort=False).first().loc[ids]
    for name in STAR_COLUMNS[1:]:  # each star's value, once
        assert np.array_equal(nf[name].to_numpy(), first[name].to_numpy()), name
    # one sub-column alone (the struct-of-lists layout allows it)
    mags = npd.read_parquet(files["nested"], columns=["id", "lightcurve.mag"])
    assert mags[NESTED_COLUMN].nest.columns == ["mag"]
    assert np.array_equal(mags[NESTED_COLUMN].nest.to_flat()["mag"].to_numpy(dtype=float), long["mag"].to_numpy())


def test_exploded_rows_are_exactly_the_long_files(files):
    long = pq.read_table(files["long"])
    flat = npd.read_parquet(files["nested"]).explode(NESTED_COLUMN, ignore_index=True)[long.column_names]
    assert len(flat) == long.num_rows
    for name in long.column_names:
        got = flat[name].to_numpy(dtype=object if long[name].type == pa.string() else None)
        want = long[name].to_numpy(zero_copy_only=False)
        if want.dtype.kind == "f":
            assert np.array_equal(got.astype(float).view("i8"), want.view("i8")), name  # bit for bit, NaN included
        else:
            assert got.tolist() == want.tolist(), name
    # varsynth's own reader: the long table, units and settings included
    back, want_table = read_table(files["nested"]), read_table(files["long"])
    assert_same(back, long)
    assert back.meta == want_table.meta and back.meta["seed"] == 5
    assert all(back[c].unit == want_table[c].unit for c in back.colnames)
    assert_same(read_nested(files["nested"]), long)
    with pytest.raises(ValueError, match="not a nested light-curve file"):
        read_nested(files["long"])


def test_pyarrow_reads_the_file_with_units_and_settings(files):
    table = pq.read_table(files["nested"])
    long = pq.read_table(files["long"])
    assert table.num_rows == len(CLASSES) * PER_CLASS and table.column_names == [*STAR_COLUMNS, NESTED_COLUMN]
    struct = table.schema.field(NESTED_COLUMN).type
    assert pa.types.is_struct(struct) and all(pa.types.is_list(f.type) for f in struct)
    units = {f.name: (f.metadata or {}).get(b"unit") for f in struct}
    assert units == {"time": b"d", "band": None, "mag": b"mag", "mag_err": b"mag", "extrapolated": None}
    assert table.schema.field("period").metadata[b"unit"] == b"d"
    meta = json.loads(table.schema.metadata[b"varsynth.meta"])
    assert meta == json.loads(long.schema.metadata[b"varsynth.meta"]) and meta["classes"] == json.dumps(CLASSES)
    epochs = sum(len(v) for v in table[NESTED_COLUMN].combine_chunks().field("time").to_pylist())
    assert epochs == long.num_rows and all(c.null_count == 0 for c in table.columns)
    # no NaN the long file does not hold: per column, the same count
    flat = to_long(table)
    for field in LONG_SCHEMA:
        if pa.types.is_floating(field.type):
            assert np.isnan(flat[field.name].to_numpy()).sum() == np.isnan(long[field.name].to_numpy()).sum()
    # pandas alone reads it too: one dict of lists per star
    frame = pd.read_parquet(files["nested"])
    assert len(frame) == table.num_rows and list(frame[NESTED_COLUMN].iloc[0]) == list(struct.names)


def test_cli_writes_nested_files_and_refuses_bad_combinations(tmp_path, capsys, monkeypatch):
    out = tmp_path / "rr.parquet"
    args = ["--cadence", "gaia", "--seed", "2", "--no-progress", "--format", "nested"]
    assert main(["generate", "--class", "RRLYR", "-n", "3", *args, "-o", str(out)]) == 0
    assert "3 stars" in capsys.readouterr().out and len(npd.read_parquet(out)) == 3
    train = tmp_path / "train.pq"
    assert main(["training-set", "--per-class", "2", "--classes", "RRLYR", "CEP", *args, "-o", str(train)]) == 0
    assert npd.read_parquet(train)["vclass"].tolist() == ["RRLYR", "RRLYR", "CEP", "CEP"]

    def refuse(*a, **k):
        raise AssertionError("the model was loaded before the check")

    monkeypatch.setattr(output, "load_model", refuse)
    capsys.readouterr()
    for command, target, extra, reason in (
        ("generate", "x.csv", [], "format 'nested' writes a Parquet file: give a path ending in ['.parquet', '.pq']"),
        ("generate", "x", [], "format 'nested' writes a Parquet file"),
        ("training-set", "x.fits", [], "format 'nested' writes a Parquet file"),
        ("generate", "folder", ["--workers", "2"], "format 'nested': distributed generation"),
        ("generate", "x.parquet", ["--format", "nest"], "must be one of ['csv', 'ecsv', 'fits', 'hdf5', 'nested'"),
    ):
        who = ["--class", "RRLYR", "-n", "3"] if command == "generate" else ["--per-class", "2"]
        code = main([command, *who, *args, *extra, "-o", str(tmp_path / target)])
        err = capsys.readouterr().err.strip()
        assert code == 2 and err.startswith("varsynth: error: ") and reason in err and "\n" not in err, err
        assert not (tmp_path / target).exists()


def test_an_interrupted_or_failed_write_leaves_no_file(tmp_path, model, monkeypatch):
    real = engine.generate_chunks

    def interrupted(config, gm):
        chunks = real(config, gm)
        yield next(chunks)
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "generate_chunks", interrupted)
    out = tmp_path / "rr.parquet"
    with pytest.raises(KeyboardInterrupt):
        output.write_lightcurves(out, StarRequest("RRLYR"), n=3, cadence="gaia", model=model, fmt="nested")
    assert list(tmp_path.iterdir()) == []
    # a star whose per-star value changes between its epochs is refused; an existing file is kept
    out.write_bytes(b"earlier output")
    bad = long_chunk(0)
    period = bad["period"].to_numpy().copy()
    period[1] += 1.0
    bad = bad.set_column(bad.schema.get_field_index("period"), LONG_SCHEMA.field("period"), pa.array(period))
    with pytest.raises(ValueError, match=r"light curve 'lc-0-0': column 'period' changes between its epochs"):
        with LightCurveWriter(out, "nested") as writer:
            writer.write(long_chunk(1))
            writer.write(bad)
    assert out.read_bytes() == b"earlier output" and [p.name for p in tmp_path.iterdir()] == ["rr.parquet"]


def test_nested_rows_hold_a_star_until_it_is_complete():
    rows = pa.concat_tables([long_chunk(0), long_chunk(1)])  # 6 stars of 5 epochs
    nested = NestedRows(LONG_SCHEMA)
    pieces = [rows.slice(0, 7), rows.slice(7, 1), rows.slice(8, 0), rows.slice(8, 2), rows.slice(10, 20)]
    got = [nested.push(p) for p in pieces]
    assert [None if g is None else (g[0]["id"].to_pylist(), g[1]) for g in got] == [
        (["lc-0-0"], 5),
        None,  # lc-0-1 goes on
        None,
        None,  # lc-0-1 still: it is complete only once another star starts
        (["lc-0-1", "lc-0-2", "lc-1-0", "lc-1-1"], 20),
    ]
    last = nested.finish()
    assert last is not None and last[0]["id"].to_pylist() == ["lc-1-2"] and nested.finish() is None
    table = pa.concat_tables([g[0] for g in [*got, last] if g is not None])
    back = to_long(table)  # the rows, NaN Teff included, field metadata kept
    assert back.schema.equals(rows.schema, check_metadata=True)
    pd.testing.assert_frame_equal(back.to_pandas(), rows.to_pandas())
    with pytest.raises(ValueError, match=r"light curve 'lc-0-0': its rows are not contiguous"):
        NestedRows(LONG_SCHEMA).push(pa.concat_tables([long_chunk(0), long_chunk(0).slice(0, 5), rows.slice(15, 1)]))


def test_the_size_estimate_covers_the_nested_output(tmp_path):
    out = tmp_path / "rr.parquet"
    cadence = get_cadence("random", n_epochs=400)
    estimate = check_run(out, n_stars=300, cadence=cadence, fmt="nested", id_prefix="RRLYR-1-", classes=("RRLYR",))
    output.write_lightcurves(out, StarRequest("RRLYR"), n=300, cadence=cadence, seed=1, fmt="nested")
    on_disk = out.stat().st_size
    assert estimate.format == "nested" and on_disk <= estimate.bytes <= 1.6 * on_disk, (estimate, on_disk)


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc/self/statm (Linux)")
def test_memory_stays_bounded(tmp_path, monkeypatch):
    """500 chunks of 2,000 rows (stars of 20 epochs, one cut in two at every chunk's end): once
    warm (100 chunks), resident memory must not grow with the next ~95 MB of rows, as
    tests/test_writers.py checks for the long formats. A writer that kept the rows would grow by
    more than them; a bounded one by 10-20 MB whatever the length (the allocator's and Arrow's
    pools after the rest of the suite: 10.7, 10.0 and 19.5 MB for 35, 70 and 117 MB of rows), which
    with 250 chunks came within reach of the 0.3 bar (a failure at 0.41 in a full run).
    """
    monkeypatch.setattr(writers, "PARQUET_ROW_GROUP_ROWS", 8192)
    rows, warm, n_chunks = 2000, 100, 500
    rng = np.random.default_rng(0)
    per_star = rng.normal(size=1000)  # a star's value: per_star[star % 1000]

    def chunk(i: int) -> pa.Table:
        star = (i * rows + np.arange(rows) + 10) // 20  # star boundaries at 10 mod 20, chunks' at 0
        cols = {}
        for field in LONG_SCHEMA:
            if field.name == "id":
                cols["id"] = pa.array([f"s{k:08d}" for k in star.tolist()], pa.string())
            elif pa.types.is_string(field.type):
                cols[field.name] = pa.array(np.full(rows, "RRLYR" if field.name in STAR_COLUMNS else "I"))
            elif pa.types.is_boolean(field.type):
                cols[field.name] = pa.array(rng.random(rows) > 0.5)
            else:
                cols[field.name] = per_star[star % 1000] if field.name in STAR_COLUMNS else rng.normal(size=rows)
        return pa.Table.from_pydict(cols, schema=LONG_SCHEMA)

    with LightCurveWriter(tmp_path / "warm.parquet", "nested") as writer:  # every code path once
        for i in range(10):
            writer.write(chunk(i))
    path = tmp_path / "big.parquet"
    peak, data = 0, 0
    with LightCurveWriter(path, "nested") as writer:
        for i in range(n_chunks):
            table = chunk(i)
            writer.write(table)
            data += table.nbytes if i >= warm else 0
            if i == warm - 1:
                after_warm = resident_bytes()
            peak = max(peak, resident_bytes())
    peak = max(peak, resident_bytes())
    assert data > 90e6
    assert peak - after_warm < 0.3 * data, (peak - after_warm, data)
    meta = pq.read_metadata(path)
    assert meta.num_rows == (n_chunks * rows + 10) // 20 + 1  # stars: the first of 10 epochs, the last of 10
    assert meta.num_row_groups > 50  # written as they came, not at the end


def test_a_run_without_rows_gives_an_empty_nested_file(tmp_path):
    path = tmp_path / "empty.parquet"
    with LightCurveWriter(path, "nested", meta={"seed": 3}, schema=LONG_SCHEMA) as writer:
        writer.write(long_chunk(0).slice(0, 0))
    assert len(npd.read_parquet(path)) == 0
    table = read_table(path)
    assert len(table) == 0 and table.colnames == LONG_SCHEMA.names and table.meta == {"seed": 3}
