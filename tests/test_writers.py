"""Streaming light-curve writers: round trips, atomicity, refusals and bounded memory."""

from __future__ import annotations

import io
import os
import tempfile
import threading
from pathlib import Path

import h5py
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from astropy.io import fits
from astropy.table import Table
from hypothesis import given, settings
from hypothesis import strategies as st

from varsynth.generation import writers
from varsynth.generation.writers import (
    FORMATS,
    HDF5_GROUP,
    HDF5_TABLE,
    LONG_SCHEMA,
    LightCurveWriter,
    format_for,
    read_hdf5,
    read_table,
)

SUFFIXES = {"parquet": ".parquet", "csv": ".csv", "ecsv": ".ecsv", "fits": ".fits", "hdf5": ".h5"}
META = {"model": "pels-vae", "seed": 42, "cadence": "ogle3-I", "version": "0.1.0", "extrapolate": False}


def long_chunk(k: int, n_curves: int = 3, n_epochs: int = 5) -> pa.Table:
    """Chunk ``k`` of a long table: ``n_curves`` light curves of ``n_epochs`` rows each."""
    rng = np.random.default_rng(k)
    n = n_curves * n_epochs
    per_curve = lambda values: np.repeat(values, n_epochs)  # noqa: E731
    teff = rng.uniform(4000, 8000, n_curves)
    teff[0] = np.nan  # unknown Teff is NaN, never null
    data = {
        "id": per_curve([f"lc-{k}-{i}" for i in range(n_curves)]),
        "time": 58000 + rng.uniform(0, 300, n),
        "band": np.tile(["g", "r", "i", "z", "y"], n // 5 + 1)[:n],
        "mag": rng.normal(15, 1, n),
        "mag_err": rng.uniform(0.005, 0.1, n),
        "vclass": per_curve(["CEP", "RRLYR", "ECL"][:n_curves]),
        "subtype": per_curve(["F", "", "RRab c"][:n_curves]),
        "teff": per_curve(teff),
        "abs_mag": per_curve(rng.normal(0, 1, n_curves)),
        "period": per_curve(rng.uniform(0.2, 30, n_curves)),
        "epoch": per_curve(rng.uniform(57000, 58000, n_curves)),
        "distance_modulus": per_curve(rng.uniform(10, 20, n_curves)),
        "extinction": per_curve(rng.uniform(0, 1, n_curves)),
        "cadence": np.full(n, "ogle3-I"),
        "extrapolated": per_curve(rng.random(n_curves) > 0.5),
    }
    return pa.Table.from_pydict({k: list(v) for k, v in data.items()}, schema=LONG_SCHEMA)


def assert_same(table: Table, expected: pa.Table) -> None:
    """Same columns in order, rows, values (NaN = NaN, -0.0 != 0.0) and dtypes."""
    assert table.colnames == expected.column_names
    assert len(table) == expected.num_rows
    for field in expected.schema:
        got, want = np.asarray(table[field.name]), expected[field.name].to_numpy()
        if pa.types.is_string(field.type):
            assert got.dtype.kind == "U", field.name
            assert got.tolist() == want.tolist(), field.name
        else:
            assert got.dtype == np.dtype(field.type.to_pandas_dtype()), field.name
            if got.dtype.kind == "f":
                assert np.array_equal(np.isnan(got), np.isnan(want)), field.name
                ok = ~np.isnan(want)
                bits = f"i{got.itemsize}"  # compare bit patterns: -0.0 and 0.0 differ
                assert np.array_equal(got.view(bits)[ok], want.view(bits)[ok]), field.name
            else:
                assert np.array_equal(got, want), field.name


def leftovers(folder: Path, keep: set[str] = frozenset()) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


@pytest.mark.parametrize("fmt", sorted(SUFFIXES))
def test_round_trip_three_chunks(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"lc{SUFFIXES[fmt]}"
    chunks = [long_chunk(k) for k in range(3)]
    with LightCurveWriter(path, meta=META) as writer:
        for chunk in chunks:
            writer.write(chunk)
        assert writer.rows_written == 45
    table = read_table(path)
    assert_same(table, pa.concat_tables(chunks))
    meta = {k.lower(): v for k, v in table.meta.items()} if fmt == "fits" else dict(table.meta)
    assert meta == META
    assert str(table["time"].unit) == "d" and str(table["teff"].unit) == "K"
    assert leftovers(tmp_path) == [path.name]
    if fmt in ("ecsv", "fits", "hdf5"):  # astropy's own reader takes the whole file, with no arguments
        assert len(Table.read(path)) == 45
    if fmt == "parquet":
        assert pq.ParquetFile(path).num_row_groups == 1  # short chunks are joined
    if fmt == "hdf5":
        with h5py.File(path) as f:
            assert sorted(f) == [HDF5_TABLE, HDF5_TABLE + ".__table_column_meta__"]  # astropy's layout
            ds = f[HDF5_TABLE]
            assert ds.chunks is not None and ds.compression == "gzip" and ds.maxshape == (None,)
            assert ds.dtype.names == tuple(LONG_SCHEMA.names) and ds.dtype["id"] == np.dtype("S6")


def test_hdf5_is_read_by_plain_astropy_table_read(tmp_path: Path) -> None:
    """``Table.read(path)`` with no arguments: same columns, values, units, descriptions, settings."""
    path = tmp_path / "lc.h5"
    chunks = [long_chunk(k) for k in range(3)]
    with LightCurveWriter(path, meta=META) as writer:
        for chunk in chunks:
            writer.write(chunk)
    table = Table.read(path)
    assert dict(table.meta) == META
    for field in LONG_SCHEMA:
        assert (table[field.name].unit is None) == (b"unit" not in field.metadata), field.name
        if table[field.name].unit is not None:
            assert str(table[field.name].unit) == field.metadata[b"unit"].decode(), field.name
        assert table[field.name].description == field.metadata[b"description"].decode(), field.name
    table.convert_bytestring_to_unicode()  # astropy leaves strings as bytes unless asked
    assert_same(table, pa.concat_tables(chunks))


def test_hdf5_keeps_utf8_and_spaces_and_removes_its_spool(tmp_path: Path) -> None:
    path = tmp_path / "lc.h5"
    with LightCurveWriter(path) as writer:
        writer.write(pa.table({"id": ["é", "", " a "]}))
        writer.write(pa.table({"id": ["longer than before"]}))
    assert read_table(path)["id"].tolist() == ["é", "", " a ", "longer than before"]
    assert leftovers(tmp_path) == ["lc.h5"]


def test_parquet_row_groups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks are held until a row group's worth of rows waits, then written as one group."""
    monkeypatch.setattr(writers, "PARQUET_ROW_GROUP_ROWS", 20)
    path = tmp_path / "lc.parquet"
    chunks = [long_chunk(k) for k in range(3)] + [long_chunk(3, n_epochs=10)]  # 15, 15, 15, 30 rows
    with LightCurveWriter(path) as writer:
        for chunk in chunks:
            writer.write(chunk)
    meta = pq.read_metadata(path)
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [30, 45]
    assert_same(read_table(path), pa.concat_tables(chunks))


@pytest.mark.parametrize("in_flight", [1, 4])
@pytest.mark.parametrize("fail_at", [1, 2])
def test_parquet_row_group_written_in_the_background_raises_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int, in_flight: int
) -> None:
    """Row groups are written on the writer's thread: a failed write's error comes out of a later
    write or of close, no group after it is written, the file is not published and its temporary
    file is removed."""
    monkeypatch.setattr(writers, "PARQUET_ROW_GROUP_ROWS", 20)
    monkeypatch.setattr(writers, "PARQUET_GROUPS_IN_FLIGHT", in_flight)
    calls = []
    real = pq.ParquetWriter.write_table

    def failing(self: pq.ParquetWriter, table: pa.Table, row_group_size: int | None = None) -> None:
        calls.append(table.num_rows)
        if len(calls) == fail_at:
            raise OSError("disk full")
        real(self, table, row_group_size=row_group_size)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", failing)
    path = tmp_path / "lc.parquet"
    with pytest.raises(OSError, match="disk full"):
        with LightCurveWriter(path) as writer:
            for k in range(6):  # 15 rows each: groups of 30 rows after chunks 2, 4 and 6
                writer.write(long_chunk(k))
    assert calls == [30] * fail_at
    assert leftovers(tmp_path) == []


def test_streamed_parquet_is_written_in_the_callers_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """stream_writer's Parquet goes to the caller's file object in the caller's thread (no
    background writer): a reader taking the bytes out between writes, as an HTTP body does, gets
    every byte in order."""
    monkeypatch.setattr(writers, "PARQUET_ROW_GROUP_ROWS", 20)

    class Body(io.RawIOBase):
        def __init__(self) -> None:
            self.parts: list[bytes] = []
            self.threads: set[int] = set()

        def writable(self) -> bool:
            return True

        def write(self, data) -> int:  # noqa: ANN001 - a buffer
            self.threads.add(threading.get_ident())
            self.parts.append(bytes(data))
            return len(data)

        def take(self) -> bytes:
            out, self.parts = b"".join(self.parts), []
            return out

    body = Body()
    writer = writers.stream_writer(body, "parquet")  # type: ignore[arg-type]
    chunks, taken = [long_chunk(k) for k in range(4)], []
    for chunk in chunks:
        writer.write(chunk)
        taken.append(body.take())
    writer.finish()
    taken.append(body.take())
    assert body.threads == {threading.get_ident()}
    assert taken[1] and taken[3]  # a row group's bytes are out as soon as its write returns
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "streamed.parquet"
        path.write_bytes(b"".join(taken))
        assert_same(read_table(path), pa.concat_tables(chunks))


def test_fits_keywords_are_short_or_hierarch(tmp_path: Path) -> None:
    path = tmp_path / "lc.fits"
    with LightCurveWriter(path, meta={"seed": 1, "generation_model": "pels-vae"}) as writer:
        writer.write(long_chunk(0))
    header = fits.getheader(path, 1)
    assert header["SEED"] == 1
    assert read_table(path).meta["generation_model"] == "pels-vae"  # HIERARCH keeps the case


@pytest.mark.parametrize("fmt", sorted(SUFFIXES))
def test_schema_without_chunks_gives_empty_file(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"empty{SUFFIXES[fmt]}"
    with LightCurveWriter(path, meta=META, schema=LONG_SCHEMA) as writer:
        writer.write(long_chunk(0).slice(0, 0))
    table = read_table(path)
    assert len(table) == 0 and table.colnames == LONG_SCHEMA.names


def test_format_for_suffixes() -> None:
    assert format_for("a/b.PARQUET") == "parquet" and format_for("x.pq") == "parquet"
    assert format_for("x.fit") == "fits" and format_for("x.hdf5") == "hdf5" and format_for("x.ecsv") == "ecsv"
    assert set(FORMATS.values()) == set(SUFFIXES)
    with pytest.raises(ValueError, match=r"unknown suffix '\.txt'.*\.csv.*\.parquet"):
        format_for("x.txt")
    with pytest.raises(ValueError, match="unknown suffix"):
        LightCurveWriter("x.txt")


def test_explicit_format_overrides_suffix(tmp_path: Path) -> None:
    path = tmp_path / "lc.dat"
    with LightCurveWriter(path, fmt="csv") as writer:
        writer.write(long_chunk(0))
    assert_same(read_table(path, fmt="csv"), long_chunk(0))
    with pytest.raises(ValueError, match="fmt must be one of"):
        LightCurveWriter(tmp_path / "x.csv", fmt="xlsx")


@pytest.mark.parametrize("fmt", sorted(SUFFIXES))
def test_exception_inside_with_leaves_nothing(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"lc{SUFFIXES[fmt]}"
    with pytest.raises(RuntimeError, match="boom"):
        with LightCurveWriter(path, meta=META) as writer:
            writer.write(long_chunk(0))
            writer.write(long_chunk(1))
            raise RuntimeError("boom")
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("fmt", sorted(SUFFIXES))
def test_failed_write_keeps_existing_target(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"lc{SUFFIXES[fmt]}"
    path.write_bytes(b"previous good output")
    bad = long_chunk(1).drop_columns(["teff"])
    with pytest.raises(ValueError, match=r"differ from the first chunk's schema.*teff"):
        with LightCurveWriter(path) as writer:
            writer.write(long_chunk(0))
            writer.write(bad)
    assert path.read_bytes() == b"previous good output"
    assert leftovers(tmp_path) == [path.name]


def test_refusals(tmp_path: Path) -> None:
    path = tmp_path / "lc.parquet"
    with pytest.raises(ValueError, match=r"meta\['cfg'\] must be a str, int, float or bool"):
        LightCurveWriter(path, meta={"cfg": {"a": 1}})
    with pytest.raises(ValueError, match=r"columns \['mag'\] hold nulls"):
        with LightCurveWriter(path) as writer:
            chunk = long_chunk(0)
            writer.write(chunk.set_column(3, "mag", pa.array([None] * 15, pa.float64())))
    with pytest.raises(ValueError, match="column 'id' holds a NUL character"):
        with LightCurveWriter(path) as writer:
            writer.write(pa.table({"id": ["a", "b\x00"]}))
    with pytest.raises(ValueError, match="column 'when' has type timestamp"):
        with LightCurveWriter(path) as writer:
            writer.write(pa.table({"when": pa.array([0], pa.timestamp("s"))}))
    with pytest.raises(ValueError, match="no chunk written"):
        with LightCurveWriter(path):
            pass
    with pytest.raises(ValueError, match="column 'id': FITS strings must be ASCII"):
        with LightCurveWriter(tmp_path / "lc.fits") as writer:
            writer.write(pa.table({"id": ["é"]}))
    with pytest.raises(ValueError, match="column 'id': ECSV cells cannot hold line breaks"):
        with LightCurveWriter(tmp_path / "lc.ecsv") as writer:
            writer.write(pa.table({"id": ["a\nb"]}))
    with pytest.raises(ValueError, match="clashes with a FITS table keyword"):
        with LightCurveWriter(tmp_path / "lc.fits", meta={"naxis2": 3}) as writer:
            writer.write(long_chunk(0))
    writer = LightCurveWriter(path)
    writer.write(long_chunk(0))
    writer.close()
    with pytest.raises(ValueError, match="is closed"):
        writer.write(long_chunk(1))
    assert leftovers(tmp_path) == ["lc.parquet"]


def test_read_hdf5_refuses_foreign_file(tmp_path: Path) -> None:
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f["x"] = [1, 2]
    with pytest.raises(ValueError, match="no '__astropy_table__' table"):
        read_hdf5(path)


def test_read_hdf5_still_reads_the_older_group_of_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.h5"
    with h5py.File(path, "w") as f:
        group = f.create_group(HDF5_GROUP)
        group.attrs["seed"] = 3
        group.create_dataset("id", data=["a", "b"], dtype=h5py.string_dtype("utf-8"))
        group.create_dataset("mag", data=[1.0, 2.0]).attrs["unit"] = "mag"
    table = read_hdf5(path)
    assert table["id"].tolist() == ["a", "b"] and str(table["mag"].unit) == "mag" and table.meta == {"seed": 3}


# Any text without NUL (quotes, commas, line breaks, leading spaces, "NA", ...), any float (NaN,
# inf, -0.0, subnormals), any bool: Parquet, CSV and HDF5 must give back exactly what was written.
_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=8)
_chunk_rows = st.lists(
    st.tuples(_text, st.floats(), st.floats(width=32), st.booleans(), st.integers(-(2**63), 2**63 - 1)),
    max_size=12,
)
_SMALL = pa.schema([("id", pa.string()), ("mag", pa.float64()), ("f32", pa.float32()), ("flag", pa.bool_()),
                    ("n", pa.int64())])  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(chunks=st.lists(_chunk_rows, min_size=1, max_size=3), fmt=st.sampled_from(["parquet", "csv", "hdf5"]))
def test_random_chunks_round_trip_exactly(chunks: list, fmt: str) -> None:
    tables = [pa.Table.from_pylist([dict(zip(_SMALL.names, r, strict=True)) for r in rows], schema=_SMALL)
              for rows in chunks]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"lc{SUFFIXES[fmt]}"
        with LightCurveWriter(path, meta={"seed": 7}) as writer:
            for table in tables:
                writer.write(table)
        back = read_table(path)
        assert back.meta == {"seed": 7}
        assert_same(back, pa.concat_tables(tables))


def resident_bytes() -> int:
    """Current (not peak) resident memory of this process, so earlier tests cannot mask growth."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc/self/statm (Linux)")
@pytest.mark.parametrize("fmt", ["parquet", "hdf5", "fits"])
def test_memory_stays_bounded(tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """250 chunks of 2,000 rows: once the caches are warm (100 chunks), resident memory must not
    grow with the next ~40 MB of rows (for FITS this includes streaming the spool at close).

    Parquet row groups and FITS conversion batches are made smaller than their defaults so that
    their fixed buffers (tens of MB, independent of the file length) stay below this test's scale.
    """
    monkeypatch.setattr(writers, "PARQUET_ROW_GROUP_ROWS", 8192)
    monkeypatch.setattr(writers, "_FITS_BATCH_ROWS", 4096)
    rows, warm, n_chunks = 2000, 100, 250
    rng = np.random.default_rng(0)
    cols = {}
    for field in LONG_SCHEMA:
        if pa.types.is_string(field.type):
            cols[field.name] = [f"{field.name}-{i % 97:05d}" for i in range(rows)]
        else:
            cols[field.name] = rng.random(rows) > 0.5 if pa.types.is_boolean(field.type) else rng.normal(size=rows)
    chunk = pa.Table.from_pydict(cols, schema=LONG_SCHEMA)
    order = pa.array(np.arange(rows))
    with LightCurveWriter(tmp_path / f"warm{SUFFIXES[fmt]}") as writer:  # load every code path once
        for _ in range(10):
            writer.write(chunk)
    path = tmp_path / f"big{SUFFIXES[fmt]}"
    peak = 0
    with LightCurveWriter(path) as writer:
        for i in range(n_chunks):
            writer.write(chunk.take(order))  # fresh buffers, as a generator would make
            if i == warm - 1:
                after_warm = resident_bytes()
            peak = max(peak, resident_bytes())
    peak = max(peak, resident_bytes())
    data = chunk.nbytes * (n_chunks - warm)
    assert data > 30e6
    # A writer that kept the rows would grow by more than ``data`` (checked: ~1.2x); a bounded
    # one adds only its fixed buffers (< 9 MB seen here, mostly from the FITS close).
    assert peak - after_warm < 0.3 * data, (peak - after_warm, data)
    assert n_rows(path, fmt) == rows * n_chunks


def n_rows(path: Path, fmt: str) -> int:
    """Rows in a written file, from its metadata only (the data are not read)."""
    if fmt == "parquet":
        return pq.read_metadata(path).num_rows
    if fmt == "fits":
        return fits.getheader(path, 1)["NAXIS2"]
    with h5py.File(path) as f:
        return f[HDF5_TABLE].shape[0]


def test_nul_check_reads_only_each_array_own_bytes() -> None:
    """A NUL is found in plain and large strings, and not in bytes a slice of an array leaves out."""
    from varsynth.generation.writers import _holds_nul

    def col(values: list[str], type_: pa.DataType = pa.string(), cut: slice | None = None) -> pa.ChunkedArray:
        arr = pa.array(values, type_)
        return pa.chunked_array([arr if cut is None else arr.slice(cut.start, cut.stop - cut.start)], type_)

    assert _holds_nul(col(["a", "b\x00"])) and _holds_nul(col(["a", "\x00"], pa.large_string()))
    assert not _holds_nul(col(["a", "b", "é"])) and not _holds_nul(col(["", ""]))
    assert not _holds_nul(col(["x\x00", "b", "c"], cut=slice(1, 3)))
    assert not _holds_nul(col(["a", "b", "\x00"], cut=slice(0, 2)))
    assert not _holds_nul(pa.chunked_array([], pa.string()))
