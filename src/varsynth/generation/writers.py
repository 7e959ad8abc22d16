"""Streaming, atomic writers for generated light curves in the long format, and readers back.

The long format has one row per epoch: the light-curve id, time (MJD), band, magnitude and its
error, then the per-light-curve parameters repeated on every row (see :data:`LONG_SCHEMA`). A
million light curves of ~300 epochs do not fit in memory, so :class:`LightCurveWriter` takes the
rows chunk by chunk and keeps memory bounded by the chunk size (Parquet and FITS: by the larger
of a chunk and a row group) whatever the number of chunks:

- Parquet: zstd, the epochs' own floats byte-stream-split; chunks are held until
  :data:`PARQUET_ROW_GROUP_ROWS` rows wait, then written as one row group (a chunk that long on
  its own is one row group), on a background thread (:func:`stream_writer`: in the caller's).
- Nested Parquet (format ``nested``, no suffix of its own: ``.parquet`` stays the long format):
  one row per star, its epochs in one nested column (:mod:`~varsynth.generation.nested`, the
  layout nested-pandas reads), written as the Parquet format is, with row groups of at
  least :data:`PARQUET_ROW_GROUP_ROWS` epochs; a star's epochs that span several chunks are held
  until the star is complete.
- CSV: ``#`` comment lines (generation settings, column types and units), then the rows.
- ECSV: the YAML header written once (by astropy, from a 0-row table), then the rows.
- HDF5: astropy's layout (``write_table_hdf5(..., serialize_meta=True)``), which
  ``astropy.table.Table.read(path)`` reads with no arguments: one chunked, compressed, resizable
  compound dataset ``__astropy_table__`` (strings as fixed-width UTF-8 bytes) and its YAML header
  (units, descriptions, settings) in ``__astropy_table__.__table_column_meta__``.
- FITS and HDF5: string cells have a fixed width, so chunks are spooled to a temporary Parquet
  file while the widest string is measured; at close the spool is streamed, one row group at a
  time, into the table (FITS: one pre-sized BINTABLE).

Columns may be boolean, int16/32/64, float32/64 or string and must hold no nulls (FITS, HDF5 and
ECSV have no common missing-value marker): use NaN for an unknown float and ``""`` for an empty
string; strings may not contain NUL characters. Units and descriptions are taken from the field
metadata keys ``unit`` and
``description``. Known format limits: FITS strings must be ASCII and lose trailing spaces;
ECSV strings lose leading and trailing spaces and may not hold line breaks. FITS keywords are
case-insensitive: settings keys of up to 8 characters come back upper-case, longer ones (HIERARCH
cards) keep their case.

The output is written to a temporary file in the target's folder (``.NAME.PID-XXXXXXXX.tmp``)
and moved onto the target only when :meth:`LightCurveWriter.close` succeeds, so a failed run
never leaves a partial file; an exception, Ctrl-C or (in the command line) SIGTERM removes the
temporary file, and temporary files of the same target left by a killed run are removed when
the next writer opens (:func:`~varsynth.data.io.remove_stale_temporaries`).
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Protocol

import h5py
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
from astropy.io import fits
from astropy.table import Column, MaskedColumn, Table
from astropy.table import meta as table_meta

from varsynth.atomic import publish, remove_stale_temporaries, temp_file
from varsynth.data.io import check_writable
from varsynth.generation.nested import NestedRows, is_nested, leaf_path, to_long

__all__ = [
    "FINITE_COLUMNS",
    "FORMATS",
    "NonFiniteOutputError",
    "check_finite",
    "HDF5_GROUP",
    "HDF5_TABLE",
    "LONG_SCHEMA",
    "LightCurveWriter",
    "NESTED_FORMAT",
    "PARQUET_GROUPS_IN_FLIGHT",
    "PARQUET_ROW_GROUP_ROWS",
    "format_for",
    "resolve_format",
    "read_hdf5",
    "read_nested",
    "read_table",
    "STREAM_FORMATS",
    "stream_writer",
]


def _field(name: str, type_: pa.DataType, description: str, unit: str | None = None) -> pa.Field:
    meta = {"description": description} | ({"unit": unit} if unit else {})
    return pa.field(name, type_, metadata=meta)


#: Columns of the long format, in order; field metadata ``unit`` and ``description``.
LONG_SCHEMA: pa.Schema = pa.schema(
    [
        _field("id", pa.string(), "light-curve id"),
        _field("time", pa.float64(), "time of the epoch (MJD)", "d"),
        _field("band", pa.string(), "passband"),
        _field("mag", pa.float64(), "apparent magnitude", "mag"),
        _field("mag_err", pa.float64(), "magnitude error", "mag"),
        _field("vclass", pa.string(), "variability class"),
        _field("subtype", pa.string(), "variability subtype ('' when none)"),
        _field("teff", pa.float64(), "effective temperature", "K"),
        _field("abs_mag", pa.float64(), "absolute magnitude", "mag"),
        _field("period", pa.float64(), "period (days)", "d"),
        _field("epoch", pa.float64(), "epoch of phase 0 (MJD)", "d"),
        _field("distance_modulus", pa.float64(), "distance modulus", "mag"),
        _field("extinction", pa.float64(), "V-band extinction A_V", "mag"),
        _field("cadence", pa.string(), "survey cadence the epochs follow"),
        _field("extrapolated", pa.bool_(), "parameters outside the training range"),
    ]
)

#: File suffix -> format name.
FORMATS: dict[str, str] = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".ecsv": "ecsv",
    ".fits": "fits",
    ".fit": "fits",
    ".h5": "hdf5",
    ".hdf5": "hdf5",
}

#: Format name of the nested Parquet layout (:mod:`~varsynth.generation.nested`): Parquet files,
#: chosen by name only (``fmt="nested"``, ``--format nested``), since ``.parquet`` is the long format.
NESTED_FORMAT = "nested"
#: Suffixes a nested Parquet file may have.
NESTED_SUFFIXES = tuple(k for k, v in FORMATS.items() if v == "parquet")

#: Fewest rows in a Parquet row group (except the last): shorter chunks are held and joined. The
#: generator's tables (:data:`~varsynth.generation.engine.SLICE_EPOCHS` rows) are one group each.
PARQUET_ROW_GROUP_ROWS = 65_536
#: Most Parquet row groups queued for or being written on the writer's thread.
PARQUET_GROUPS_IN_FLIGHT = 4

#: HDF5 dataset holding the table: astropy's default table path, so ``Table.read`` needs no ``path``.
HDF5_TABLE = "__astropy_table__"
#: Older versions wrote this HDF5 group of one dataset per column (still read by :func:`read_hdf5`).
HDF5_GROUP = "lightcurves"
_HDF5_META_SUFFIX = ".__table_column_meta__"  # astropy's serialized header beside the table

_META_KEY = b"varsynth.meta"  # Parquet schema-metadata key holding the settings as JSON
_FITS_BATCH_ROWS = 16_384  # rows converted at a time when the spool is streamed into the table
_HDF5_CHUNK_BYTES = 1 << 19  # bytes of rows per HDF5 chunk (the compression unit)
_HDF5_CACHE_BYTES = 4 << 20  # holds the chunks being filled, so memory stays bounded
_HDF5_METADATA_BYTES = 4 << 20
_FITS_FORMS = {  # Arrow type -> (FITS TFORM, big-endian numpy dtype of one cell)
    pa.bool_(): ("L", "i1"),
    pa.int16(): ("I", ">i2"),
    pa.int32(): ("J", ">i4"),
    pa.int64(): ("K", ">i8"),
    pa.float32(): ("E", ">f4"),
    pa.float64(): ("D", ">f8"),
}
#: Header keywords of a binary table that the settings must not overwrite.
_FITS_RESERVED = re.compile(
    r"(XTENSION|BITPIX|NAXIS\d*|PCOUNT|GCOUNT|TFIELDS|THEAP|EXTNAME|EXTEND|SIMPLE|END|CHECKSUM|DATASUM"
    r"|(TTYPE|TFORM|TUNIT|TNULL|TSCAL|TZERO|TDISP|TDIM|TBCOL)\d+)"
)
_STRING_TYPES = (pa.string(), pa.large_string())
_SUPPORTED = (*_FITS_FORMS, *_STRING_TYPES)


#: Columns of generated epochs that must hold finite numbers: time (MJD), mag and mag_err (mag).
FINITE_COLUMNS: tuple[str, ...] = ("time", "mag", "mag_err")


class NonFiniteOutputError(ValueError):
    """Generated epochs with a NaN or infinite time, magnitude or error (never written)."""


def check_finite(chunk: pa.Table, columns: tuple[str, ...] = FINITE_COLUMNS, id_column: str = "id") -> pa.Table:
    """``chunk`` unchanged when its ``columns`` (those present) hold only finite numbers.

    Raises:
        NonFiniteOutputError: the message names the first light curve (``id_column``) with a
            NaN or infinite value, the column and how many values and light curves are affected.
    """
    for name in columns:
        if name not in chunk.column_names:
            continue
        values = np.asarray(chunk[name].to_numpy(), dtype=np.float64)
        bad = ~np.isfinite(values)
        if not bad.any():
            continue
        row = int(np.argmax(bad))
        ids = chunk[id_column].to_numpy(zero_copy_only=False) if id_column in chunk.column_names else None
        star = repr(str(ids[row])) if ids is not None else f"at row {row}"
        n_curves = len(set(ids[bad].tolist())) if ids is not None else 1
        raise NonFiniteOutputError(
            f"light curve {star}: {name} is {values[row]} (not a finite number); {int(bad.sum())} values in "
            f"{n_curves} light curve(s) are not finite, so nothing is written. The model produced invalid "
            "values: its bundle may be damaged (bundles with recorded file hashes are verified on loading)"
        )
    return chunk


def format_for(path: str | os.PathLike[str]) -> str:
    """Format name for ``path`` from its suffix (case-insensitive).

    Raises:
        ValueError: unknown suffix (the message lists the valid ones).
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"path {str(path)!r}: unknown suffix {suffix!r}; valid suffixes: {sorted(FORMATS)}")
    return FORMATS[suffix]


def _check_format(fmt: str) -> str:
    valid = sorted({*FORMATS.values(), NESTED_FORMAT})
    if fmt not in valid:
        raise ValueError(f"fmt must be one of {valid}, got {fmt!r}")
    return fmt


def resolve_format(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """The format of ``path``: ``fmt`` if given, else from the suffix (:func:`format_for`).

    ``fmt="nested"`` (a Parquet file of another layout) needs a Parquet suffix.

    Raises:
        ValueError: unknown ``fmt`` or suffix, or a ``fmt`` that contradicts a known suffix
            (``fmt="csv"`` for ``x.parquet`` would write CSV into a ``.parquet`` file).
    """
    if fmt is None:
        return format_for(path)
    fmt = _check_format(fmt)
    suffix = Path(path).suffix.lower()
    if fmt == NESTED_FORMAT:
        if suffix not in NESTED_SUFFIXES:
            raise ValueError(
                f"format 'nested' writes a Parquet file: give a path ending in {list(NESTED_SUFFIXES)}, "
                f"not {str(path)!r}"
            )
        return fmt
    by_suffix = FORMATS.get(suffix)
    if by_suffix is not None and by_suffix != fmt:
        raise ValueError(
            f"format {fmt!r} contradicts the suffix of {str(path)!r} ({by_suffix}); give a path "
            f"ending in {[k for k, v in FORMATS.items() if v == fmt]} or drop the format"
        )
    return fmt


def _check_meta(meta: dict[str, Any] | None) -> dict[str, Any]:
    """Settings as a plain dict; keys non-empty strings, values str, int, float or bool scalars."""
    out: dict[str, Any] = {}
    for key, value in (meta or {}).items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"meta keys must be non-empty strings, got {key!r}")
        if isinstance(value, np.generic):
            value = value.item()
        if not isinstance(value, (str, int, float, bool)):
            raise ValueError(
                f"meta[{key!r}] must be a str, int, float or bool (encode richer values as JSON), "
                f"got {type(value).__name__}"
            )
        out[key] = value
    return out


def _check_schema(schema: pa.Schema) -> None:
    if len(schema) == 0:
        raise ValueError("chunk has no columns")
    if len(set(schema.names)) != len(schema.names):
        raise ValueError(f"chunk has duplicate column names: {schema.names}")
    for field in schema:
        if field.type not in _SUPPORTED:
            raise ValueError(
                f"column {field.name!r} has type {field.type}; supported types: {sorted(str(t) for t in _SUPPORTED)}"
            )


def _field_info(field: pa.Field) -> dict[str, str]:
    """The ``unit`` and ``description`` field metadata present on ``field``."""
    meta = field.metadata or {}
    return {k: meta[k.encode()].decode() for k in ("unit", "description") if k.encode() in meta}


def _strings(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A string column as a numpy object array of ``str``."""
    return column.to_numpy(zero_copy_only=False)


class _Sink(Protocol):
    """One output format: ``write`` appends a chunk, ``finish`` completes the file."""

    def write(self, chunk: pa.Table) -> None: ...

    def finish(self) -> None: ...

    def discard(self) -> None: ...


#: Float columns of the long format that repeat one value per light curve (dictionary-encoded in Parquet).
PER_CURVE_COLUMNS = ("teff", "abs_mag", "period", "epoch", "distance_modulus", "extinction")


#: String columns of the long format with one or a few values in every row group (Parquet statistics not written).
FEW_VALUED_COLUMNS = ("band", "vclass", "subtype", "cadence")


def _dictionary_columns(schema: pa.Schema) -> list[str]:
    """Columns worth dictionary-encoding in Parquet: strings, booleans and the per-light-curve values. Each
    epoch's own numbers (time, mag, mag_err) are left plain: they rarely repeat, and trying a dictionary on
    them first costs as much as writing them."""
    return [f.name for f in schema if f.type in _STRING_TYPES or f.type == pa.bool_() or f.name in PER_CURVE_COLUMNS]


def _split_columns(schema: pa.Schema) -> list[str]:
    """Float columns stored byte-stream-split in Parquet (the encoding that groups the values' bytes by
    position, so that zstd finds the repeated sign, exponent and high mantissa bytes): the epochs' own
    numbers. 14% smaller files for the long format (the same zstd, no more time; docs/generation.md)."""
    floats = (pa.float32(), pa.float64())
    return [f.name for f in schema if f.type in floats and f.name not in PER_CURVE_COLUMNS]


def _statistics_columns(schema: pa.Schema) -> list[str]:
    """Columns whose min and max per row group Parquet records (readers skip row groups with them when
    filtering, e.g. by id): all but :data:`FEW_VALUED_COLUMNS`, whose every row group holds the same
    few values, so their statistics would skip nothing and cost a tenth of the writing time."""
    return [f.name for f in schema if f.name not in FEW_VALUED_COLUMNS]


#: Parquet columns dictionary-encoded, byte-stream-split and with statistics (ParquetWriter's names).
_Encodings = tuple[list[str], list[str], list[str]]


def _encodings(schema: pa.Schema) -> _Encodings:
    """The Parquet encodings of the long format's ``schema`` (see the three functions above)."""
    return _dictionary_columns(schema), _split_columns(schema), _statistics_columns(schema)


def _holds_nul(column: pa.ChunkedArray) -> bool:
    """Whether a string column holds a NUL character: a NUL byte among its UTF-8 bytes (read from the
    arrays' value buffers, within each array's own range, without making a string per row)."""
    for chunk in column.chunks:
        if len(chunk) == 0:
            continue
        offsets_buf, data = chunk.buffers()[1:3]
        if data is None:
            continue
        width = np.int64 if chunk.type == pa.large_string() else np.int32
        offsets = np.frombuffer(offsets_buf, dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
        values = np.frombuffer(data, dtype=np.uint8)[int(offsets[0]) : int(offsets[-1])]
        if values.size and not values.all():
            return True
    return False


class _ParquetSink:
    """Row groups of at least :data:`PARQUET_ROW_GROUP_ROWS` rows (the last may be shorter), each
    encoded and written on a background thread while the caller makes the next rows.

    Chunks are held until that many rows wait, then written as one row group: every row group
    adds ~1 kB of footer metadata per column, kept in memory until close, so one group per small
    chunk would make memory grow with the file. Settings are stored as JSON under the
    schema-metadata key ``varsynth.meta``.

    Encoding and compressing a row group (pyarrow, which releases the GIL) takes two thirds of the
    time of generating its rows, so it runs on a thread of its own, with up to
    :data:`PARQUET_GROUPS_IN_FLIGHT` groups queued or being written (memory: that many row groups
    more, ~9 MB each for the long format), so that the generating thread rarely waits when the
    two threads get the cores unevenly; an error of a write is raised by a later :meth:`write` or
    by :meth:`finish`. ``background=False`` writes each group in the caller's thread instead: for
    a file object of the caller's (:func:`stream_writer`), which another thread may read between
    writes.
    """

    def __init__(
        self,
        tmp: Path | BinaryIO,
        schema: pa.Schema,
        meta: dict[str, Any],
        *,
        background: bool = True,
        encodings: _Encodings | None = None,
    ) -> None:
        self._schema = schema.with_metadata({**(schema.metadata or {}), _META_KEY: json.dumps(meta)})
        dictionary, split, statistics = encodings or _encodings(schema)
        self._writer = pq.ParquetWriter(
            tmp,
            self._schema,
            compression="zstd",
            use_dictionary=dictionary,
            use_byte_stream_split=split,
            write_statistics=statistics,
        )
        self._held: list[pa.Table] = []
        self._held_rows = 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="varsynth-parquet") if background else None
        self._pending: deque[Future[None]] = deque()
        self._failed = False  # a write failed: the groups queued after it are not written

    def write(self, chunk: pa.Table, rows: int | None = None) -> None:
        """Hold ``chunk``, counted as ``rows`` rows (default: its own; the nested layout counts its
        epochs) towards a row group, which is written once :data:`PARQUET_ROW_GROUP_ROWS` wait."""
        if chunk.num_rows:
            self._held.append(chunk)
            self._held_rows += chunk.num_rows if rows is None else rows
        if self._held_rows >= PARQUET_ROW_GROUP_ROWS:
            self._flush()

    def _wait(self, most: int = 0) -> None:
        """Wait until at most ``most`` row groups are queued or being written; raise an error of theirs."""
        while len(self._pending) > most:
            self._pending.popleft().result()

    def _flush(self) -> None:
        if self._held_rows:
            group = pa.concat_tables(self._held).replace_schema_metadata(self._schema.metadata)
            if self._pool is None:
                self._write_group(group)
            else:
                self._wait(PARQUET_GROUPS_IN_FLIGHT - 1)
                self._pending.append(self._pool.submit(self._write_group, group))
        self._held, self._held_rows = [], 0

    def _write_group(self, group: pa.Table) -> None:
        """On the writer's thread: one row group, unless an earlier one failed."""
        if self._failed:
            return
        try:
            self._writer.write_table(group, row_group_size=group.num_rows)
        except BaseException:
            self._failed = True
            raise

    def finish(self) -> None:
        try:
            self._flush()
            self._wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown()
        self._writer.close()

    def discard(self) -> None:
        self._failed = True  # the file is dropped: queued groups are not written, errors no longer matter
        try:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
        finally:
            self._writer.close()


class _NestedSink:
    """The nested layout (:mod:`~varsynth.generation.nested`) written by a :class:`_ParquetSink`:
    each long chunk converted to one row per complete star; row groups of at least
    :data:`PARQUET_ROW_GROUP_ROWS` epochs. Encodings as the long format's, per Parquet leaf column,
    except that the per-star floats, no longer repeated, are byte-stream-split, not dictionary-encoded."""

    def __init__(self, tmp: Path, schema: pa.Schema, meta: dict[str, Any]) -> None:
        self._rows = NestedRows(schema)
        dictionary, split, statistics = _encodings(schema)
        floats = [f.name for f in schema if f.type in (pa.float32(), pa.float64())]
        encodings = (
            [leaf_path(n) for n in dictionary if n not in PER_CURVE_COLUMNS],
            [leaf_path(n) for n in dict.fromkeys([*split, *floats])],
            [leaf_path(n) for n in statistics],
        )
        self._parquet = _ParquetSink(tmp, self._rows.schema, meta, encodings=encodings)

    def write(self, chunk: pa.Table) -> None:
        self._put(self._rows.push(chunk))

    def _put(self, done: tuple[pa.Table, int] | None) -> None:
        if done is not None:
            self._parquet.write(*done)

    def finish(self) -> None:
        self._put(self._rows.finish())
        self._parquet.finish()

    def discard(self) -> None:
        self._parquet.discard()


def _binary(target: Path | BinaryIO) -> BinaryIO:
    """A binary file open for writing: ``target`` opened, or ``target`` itself if already a file object."""
    if isinstance(target, (str, os.PathLike)):
        return open(target, "wb")  # noqa: SIM115 - closed by the sink's finish/discard
    return target


class _TextSink:
    """Shared end of the text sinks: a pyarrow CSV writer over an open binary file."""

    _file: Any
    _writer: pcsv.CSVWriter

    def finish(self) -> None:
        self._writer.close()
        self._file.close()

    def discard(self) -> None:
        self._file.close()


class _CsvSink(_TextSink):
    """``# meta: {json}`` and one ``# column: {json}`` line per column, then a header and rows."""

    def __init__(self, tmp: Path, schema: pa.Schema, meta: dict[str, Any]) -> None:
        self._file = _binary(tmp)
        lines = [f"# meta: {json.dumps(meta)}"]
        lines += ["# column: " + json.dumps({"name": f.name, "type": str(f.type)} | _field_info(f)) for f in schema]
        self._file.write(("\n".join(lines) + "\n").encode())
        self._writer = pcsv.CSVWriter(self._file, schema)

    def write(self, chunk: pa.Table) -> None:
        self._writer.write_table(chunk)


class _EcsvSink(_TextSink):
    """The ECSV header from astropy once, then space-delimited rows with quoted strings."""

    def __init__(self, tmp: Path, schema: pa.Schema, meta: dict[str, Any]) -> None:
        empty = Table(meta=meta)
        for field in schema:
            dtype = str if field.type in _STRING_TYPES else field.type.to_pandas_dtype()
            empty[field.name] = Column(np.empty(0, dtype=dtype), **_field_info(field))
        header = io.StringIO()
        empty.write(header, format="ascii.ecsv")
        self._bools = [f.name for f in schema if f.type == pa.bool_()]
        # astropy reads bool cells written as 0/1; Arrow would write true/false, which it refuses.
        rows = pa.schema([f.with_type(pa.int8()) if f.name in self._bools else f for f in schema])
        self._file = _binary(tmp)
        self._file.write(header.getvalue().encode())
        options = pcsv.WriteOptions(include_header=False, delimiter=" ", quoting_style="needed")
        self._writer = pcsv.CSVWriter(self._file, rows, write_options=options)

    def write(self, chunk: pa.Table) -> None:
        for name, column in zip(chunk.column_names, chunk.columns, strict=True):
            if column.type in _STRING_TYPES and pc.any(pc.match_substring_regex(column, "[\r\n]")).as_py():
                raise ValueError(f"column {name!r}: ECSV cells cannot hold line breaks")
        for name in self._bools:
            i = chunk.schema.get_field_index(name)
            chunk = chunk.set_column(i, chunk.schema.field(i).with_type(pa.int8()), chunk[name].cast(pa.int8()))
        self._writer.write_table(chunk)


class _Spool:
    """Chunks spooled to a temporary Parquet file beside ``tmp``, the widest string measured.

    For formats whose string cells have a fixed width, known only once every row is seen
    (FITS, HDF5): :attr:`widths` holds the longest value of each string column in UTF-8 bytes
    (at least 1); :meth:`batches` streams the rows back, one row group at a time.
    """

    def __init__(self, tmp: Path, schema: pa.Schema) -> None:
        self.widths = {f.name: 1 for f in schema if f.type in _STRING_TYPES}
        self.rows = 0
        fd, spool = tempfile.mkstemp(prefix=f"{tmp.name}.", suffix=".spool", dir=tmp.parent)
        os.close(fd)
        self.path = Path(spool)
        self._writer: _ParquetSink | None = _ParquetSink(self.path, schema, {})

    def write(self, chunk: pa.Table) -> None:
        for name in self.widths:
            longest = pc.max(pc.binary_length(chunk[name])).as_py() or 0
            self.widths[name] = max(self.widths[name], longest)
        assert self._writer is not None
        self._writer.write(chunk)
        self.rows += chunk.num_rows

    def batches(self) -> Iterator[pa.RecordBatch]:
        """Every spooled row, in order, in batches of at most :data:`_FITS_BATCH_ROWS` rows."""
        assert self._writer is not None
        self._writer.finish()
        self._writer = None
        with pq.ParquetFile(self.path) as spool:
            # One reader per row group: a single reader over the whole file keeps ~170 kB
            # per row group it has passed (pyarrow 26), so memory would grow with the file.
            for group in range(spool.num_row_groups):
                yield from spool.iter_batches(_FITS_BATCH_ROWS, row_groups=[group], use_threads=False)

    def remove(self) -> None:
        if self._writer is not None:
            self._writer.discard()
            self._writer = None
        self.path.unlink(missing_ok=True)


def _astropy_header(schema: pa.Schema, meta: dict[str, Any]) -> list[str]:
    """astropy's serialized table header (YAML lines: column types, units, descriptions, meta)."""
    empty = Table(meta=meta)
    for field in schema:
        dtype = str if field.type in _STRING_TYPES else field.type.to_pandas_dtype()
        empty[field.name] = Column(np.empty(0, dtype=dtype), **_field_info(field))
    return table_meta.get_yaml_from_table(empty)


class _Hdf5Sink:
    """One compound dataset laid out as astropy's ``write_table_hdf5(..., serialize_meta=True)``.

    The table is dataset :data:`HDF5_TABLE` (chunked, gzip, resizable), its header (units,
    descriptions, settings) the YAML lines of dataset ``HDF5_TABLE + ".__table_column_meta__"``,
    so ``astropy.table.Table.read(path)`` reads it with no arguments. Strings are fixed-width
    UTF-8 bytes, as astropy writes them; their width is known only once every row is seen, so
    chunks are spooled (:class:`_Spool`) and streamed into the dataset at :meth:`finish`.
    """

    def __init__(self, tmp: Path, schema: pa.Schema, meta: dict[str, Any]) -> None:
        self._tmp = tmp
        self._schema = schema
        self._header = [line.encode() for line in _astropy_header(schema, meta)]
        self._spool = _Spool(tmp, schema)

    def write(self, chunk: pa.Table) -> None:
        self._spool.write(chunk)

    def finish(self) -> None:
        rows = np.dtype([
            (f.name, f"S{self._spool.widths[f.name]}" if f.type in _STRING_TYPES else f.type.to_pandas_dtype())
            for f in self._schema
        ])  # fmt: skip
        chunk_rows = max(1, _HDF5_CHUNK_BYTES // rows.itemsize)
        with h5py.File(self._tmp, "w", rdcc_nbytes=_HDF5_CACHE_BYTES, rdcc_w0=1.0) as f:
            config = f.id.get_mdc_config()  # metadata cache (chunk index): 32 MiB by default,
            config.max_size = _HDF5_METADATA_BYTES  # grown adaptively as the file grows
            f.id.set_mdc_config(config)
            table = f.create_dataset(
                HDF5_TABLE, shape=(self._spool.rows,), maxshape=(None,), dtype=rows,
                chunks=(chunk_rows,), compression="gzip", compression_opts=4, shuffle=True,
            )  # fmt: skip
            f.create_dataset(HDF5_TABLE + _HDF5_META_SUFFIX, data=np.array(self._header))
            start = 0
            for batch in self._spool.batches():
                table[start : start + batch.num_rows] = self._records(batch, rows)
                start += batch.num_rows
        self._spool.remove()

    @staticmethod
    def _records(batch: pa.RecordBatch, rows: np.dtype) -> np.ndarray:
        """HDF5 rows (numpy dtype ``rows``) of one spooled batch; strings as UTF-8 bytes."""
        out = np.empty(batch.num_rows, dtype=rows)
        for name in rows.names or ():
            column = batch.column(name)
            if rows[name].kind == "S":
                column = column.cast(pa.binary())
            out[name] = column.to_numpy(zero_copy_only=False)
        return out

    def discard(self) -> None:
        self._spool.remove()


class _FitsSink:
    """Chunks spooled to Parquet (string widths measured), streamed into one BINTABLE at finish."""

    def __init__(self, tmp: Path, schema: pa.Schema, meta: dict[str, Any]) -> None:
        self._tmp = tmp
        self._schema = schema
        self._cards = fits.Header()
        for key, value in meta.items():
            if key.upper() in self._cards or _FITS_RESERVED.fullmatch(key.upper()):
                raise ValueError(f"meta key {key!r} clashes with a FITS table keyword")
            # Keys of up to 8 letters, digits, '_' or '-' become standard (upper-case) keywords.
            name = key.upper() if re.fullmatch(r"[A-Za-z0-9_-]{1,8}", key) else f"HIERARCH {key}"
            self._cards.append(fits.Card(name, value))
        self._cards.tostring()  # refuse a card FITS cannot hold now, before any data is written
        self._spool = _Spool(tmp, schema)

    def write(self, chunk: pa.Table) -> None:
        for name in self._spool.widths:
            if not pc.all(pc.string_is_ascii(chunk[name]), min_count=0).as_py():
                raise ValueError(f"column {name!r}: FITS strings must be ASCII")
        self._spool.write(chunk)

    def finish(self) -> None:
        widths = self._spool.widths
        columns, dtype = [], []
        for field in self._schema:
            if field.type in _STRING_TYPES:
                form, cell = f"{widths[field.name]}A", f"S{widths[field.name]}"
            else:
                form, cell = _FITS_FORMS[field.type]
            columns.append(fits.Column(name=field.name, format=form, unit=_field_info(field).get("unit")))
            dtype.append((field.name, cell))
        header = fits.BinTableHDU.from_columns(columns, nrows=0).header
        header["NAXIS2"] = self._spool.rows
        header.extend(self._cards)
        rows = np.dtype(dtype)
        assert rows.itemsize == header["NAXIS1"]
        stream = fits.StreamingHDU(str(self._tmp), header)
        try:
            for batch in self._spool.batches():
                stream.write(self._records(batch, rows).view(np.uint8))
        finally:
            stream.close()
        self._spool.remove()

    @staticmethod
    def _records(batch: pa.RecordBatch, rows: np.dtype) -> np.ndarray:
        """FITS rows (numpy dtype ``rows``) of one spooled batch."""
        out = np.empty(batch.num_rows, dtype=rows)
        for name in rows.names or ():
            column, cell = batch.column(name), rows[name]
            if cell.kind == "S":
                # Pad to the cell width: ASCII strings of equal length are one contiguous buffer.
                padded = pc.utf8_rpad(column, width=cell.itemsize, padding=" ").cast(pa.large_string())
                start = np.frombuffer(padded.buffers()[1], np.int64, count=1, offset=8 * padded.offset)[0]
                out[name] = np.frombuffer(padded.buffers()[2], cell, count=len(padded), offset=int(start))
            elif column.type == pa.bool_():
                out[name] = np.where(column.to_numpy(zero_copy_only=False), ord("T"), ord("F"))
            else:
                out[name] = column.to_numpy()
        return out

    def discard(self) -> None:
        self._spool.remove()


_SINKS: dict[str, Callable[..., _Sink]] = {
    "parquet": _ParquetSink,
    "csv": _CsvSink,
    "ecsv": _EcsvSink,
    "hdf5": _Hdf5Sink,
    "fits": _FitsSink,
    NESTED_FORMAT: _NestedSink,
}


#: Formats that :func:`stream_writer` writes to an open file object chunk by chunk (no spool).
STREAM_FORMATS: tuple[str, ...] = ("parquet", "csv", "ecsv")


def stream_writer(
    file: BinaryIO, fmt: str, meta: dict[str, Any] | None = None, schema: pa.Schema = LONG_SCHEMA
) -> _Sink:
    """A writer of long-format chunks in ``fmt`` (one of :data:`STREAM_FORMATS`) to the open binary
    ``file`` (e.g. an HTTP response body): the same bytes as :class:`LightCurveWriter` writes to
    a file, with no temporary file. Call ``write(chunk)`` per chunk and ``finish()`` at the end.

    Raises:
        ValueError: a format that needs a spool (FITS, HDF5) or an unknown one.
    """
    if fmt not in STREAM_FORMATS:
        raise ValueError(f"format {fmt!r} cannot be streamed; valid: {list(STREAM_FORMATS)}")
    _check_schema(schema)
    if fmt == "parquet":  # in the caller's thread: its file object may be read between writes
        return _ParquetSink(file, schema, _check_meta(meta), background=False)
    return _SINKS[fmt](file, schema, _check_meta(meta))


class LightCurveWriter:
    """Append long-format chunks (pyarrow Tables) to one file, in bounded memory, atomically.

    Use as a context manager: leaving the ``with`` block normally calls :meth:`close`, which
    completes the file and moves it onto ``path``; leaving it by an exception calls
    :meth:`abort`, which removes the temporary file and leaves any existing ``path`` untouched.

    Args:
        path: output file; its parent folder is created if needed.
        fmt: one of ``parquet``, ``csv``, ``ecsv``, ``fits``, ``hdf5``, ``nested`` (Parquet, one
            row per star: :mod:`~varsynth.generation.nested`; a ``.parquet`` or ``.pq`` path);
            ``None``: from the suffix (a ``fmt`` contradicting a known suffix is refused,
            :func:`resolve_format`).
        meta: generation settings (e.g. model, seed, cadence, version) stored in the file's
            metadata; values are str, int, float or bool scalars.
        schema: schema of the rows; ``None``: the schema of the first chunk. Giving it lets a
            writer that receives no chunk still produce a valid, empty file.
        finite: columns that must hold finite numbers (e.g. :data:`FINITE_COLUMNS` for generated
            light curves): a chunk with NaN or inf there raises :class:`NonFiniteOutputError`
            before any of its rows is written. Default: none (any float is written as is).

    Attributes:
        rows_written: rows appended so far.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        fmt: str | None = None,
        meta: dict[str, Any] | None = None,
        *,
        schema: pa.Schema | None = None,
        finite: tuple[str, ...] = (),
    ) -> None:
        self.path = Path(path)
        self.finite = tuple(finite)
        self.format = resolve_format(self.path, fmt)
        self.meta = _check_meta(meta)
        self.rows_written = 0
        self._schema: pa.Schema | None = None
        self._sink: _Sink | None = None
        self._done = False
        check_writable(self.path)
        remove_stale_temporaries(self.path)
        self._tmp = temp_file(self.path)
        if schema is not None:
            try:
                self._open(schema)
            except BaseException:
                self.abort()
                raise

    def _open(self, schema: pa.Schema) -> None:
        _check_schema(schema)
        self._sink = _SINKS[self.format](self._tmp, schema, self.meta)
        self._schema = schema

    def write(self, chunk: pa.Table) -> None:
        """Append the rows of ``chunk``; its column names and types must match the first chunk's.

        Raises:
            ValueError: the writer is closed, the columns differ, a type is unsupported, a
                column holds nulls or a string a NUL, a ``finite`` column a NaN or inf
                (:class:`NonFiniteOutputError`), or a value does not fit the format (see the
                module notes).
        """
        if self._done:
            raise ValueError(f"writer for {self.path} is closed")
        if not isinstance(chunk, pa.Table):
            raise TypeError(f"chunk must be a pyarrow.Table, got {type(chunk).__name__}")
        if self._schema is None:
            self._open(chunk.schema)
        assert self._schema is not None and self._sink is not None
        got = [(f.name, f.type) for f in chunk.schema]
        want = [(f.name, f.type) for f in self._schema]
        if got != want:
            diff = sorted({str(c) for c in set(got) ^ set(want)}) or ["column order"]
            raise ValueError(f"chunk columns differ from the first chunk's schema: {diff}")
        nulls = [name for name, col in zip(chunk.column_names, chunk.columns, strict=True) if col.null_count]
        if nulls:
            raise ValueError(f"columns {nulls} hold nulls; use NaN for unknown floats and '' for strings")
        check_finite(chunk, self.finite)
        for name, col in zip(chunk.column_names, chunk.columns, strict=True):
            if col.type in _STRING_TYPES and _holds_nul(col):
                raise ValueError(f"column {name!r} holds a NUL character, which ends a string in FITS and HDF5")
        self._sink.write(pa.Table.from_arrays(chunk.columns, schema=self._schema))
        self.rows_written += chunk.num_rows

    def close(self) -> None:
        """Complete the file and move it onto ``path``; a second call does nothing.

        Raises:
            ValueError: no chunk was written and no ``schema`` given, so the columns are unknown.
        """
        if self._done:
            return
        try:
            if self._sink is None:
                raise ValueError(f"no chunk written to {self.path} and no schema given: columns unknown")
            self._sink.finish()
            publish(self._tmp, self.path)
        except BaseException:
            self.abort()
            raise
        self._done = True

    def abort(self) -> None:
        """Drop everything written so far: close the file and remove the temporary files."""
        self._done = True
        try:
            if self._sink is not None:
                self._sink.discard()
        finally:
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> LightCurveWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _arrow_to_astropy(table: pa.Table, meta: dict[str, Any]) -> Table:
    """An Arrow table as an astropy Table (strings as ``str``), with units and descriptions."""
    out = Table(meta=meta)
    for field, column in zip(table.schema, table.columns, strict=True):
        values = _strings(column).astype(str) if field.type in _STRING_TYPES else column.to_numpy()
        out[field.name] = Column(values, **_field_info(field))
    return out


def _read_parquet(path: Path) -> Table:
    table = pq.read_table(path)
    if is_nested(table.schema):  # a nested file read as the long rows it holds
        table = to_long(table)
    meta = json.loads((table.schema.metadata or {}).get(_META_KEY, b"{}"))
    return _arrow_to_astropy(table, meta)


def read_nested(path: str | os.PathLike[str]) -> Table:
    """Read a nested Parquet file (format ``nested``) back as the long-format astropy Table it
    was written from: one row per epoch, in the written order, units and settings kept.

    To read it as one row per star instead: ``nested_pandas.read_parquet(path)`` (a
    ``NestedFrame``), or ``pyarrow.parquet.read_table(path)``.

    Raises:
        ValueError: the file is Parquet of another layout (e.g. the long format).
    """
    path = Path(path)
    if not is_nested(pq.read_schema(path)):
        raise ValueError(f"{path}: not a nested light-curve file (no 'lightcurve' layout metadata); read it as parquet")
    return _read_parquet(path)


def _read_csv(path: Path) -> Table:
    meta: dict[str, Any] = {}
    fields: list[pa.Field] = []
    skip = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                break
            skip += 1
            key, _, value = line[1:].strip().partition(": ")
            if key == "meta":
                meta = json.loads(value)
            elif key == "column":
                info = json.loads(value)
                extra = {k: info[k] for k in ("unit", "description") if k in info}
                fields.append(pa.field(info["name"], pa.type_for_alias(info["type"]), metadata=extra or None))
    options = pcsv.ConvertOptions(column_types=pa.schema(fields), null_values=[], strings_can_be_null=False)
    table = pcsv.read_csv(
        path,
        read_options=pcsv.ReadOptions(skip_rows=skip),
        parse_options=pcsv.ParseOptions(newlines_in_values=True),
        convert_options=options,
    )
    if fields:
        table = pa.Table.from_arrays(table.columns, schema=pa.schema(fields))
    return _arrow_to_astropy(table, meta)


def _read_ecsv(path: Path) -> Table:
    table = Table.read(path, format="ascii.ecsv")
    for name in table.colnames:
        # ECSV reads an empty string as missing; this writer never writes missing values.
        if isinstance(table[name], MaskedColumn) and table[name].dtype.kind == "U":
            table[name] = table[name].filled("")
    return table


def _read_fits(path: Path) -> Table:
    table = Table.read(path, format="fits", hdu=1, character_as_bytes=False, mask_invalid=False)
    for name in table.colnames:
        if not table[name].dtype.isnative:
            table[name] = table[name].astype(table[name].dtype.newbyteorder("="))
    return table


def read_hdf5(path: str | os.PathLike[str]) -> Table:
    """Read an HDF5 file written by :class:`LightCurveWriter` in full (strings as ``str``).

    Reads the table at :data:`HDF5_TABLE` with astropy, and the group :data:`HDF5_GROUP` of one
    dataset per column that versions before it wrote.
    """
    with h5py.File(path, "r") as f:
        if HDF5_TABLE in f:
            return Table.read(f, format="hdf5", path=HDF5_TABLE, character_as_bytes=False)
        if HDF5_GROUP not in f:
            raise ValueError(
                f"{path}: no {HDF5_TABLE!r} table (nor an older {HDF5_GROUP!r} group); not a light-curve HDF5 file"
            )
        group = f[HDF5_GROUP]
        out = Table(meta={k: v.item() if isinstance(v, np.generic) else v for k, v in group.attrs.items()})
        for name, ds in group.items():
            is_str = h5py.check_string_dtype(ds.dtype) is not None
            values = ds.asstr()[()].astype(str) if is_str else ds[()]
            out[name] = Column(values, **{k: str(v) for k, v in ds.attrs.items()})
    return out


_READERS = {
    "parquet": _read_parquet,
    "csv": _read_csv,
    "ecsv": _read_ecsv,
    "fits": _read_fits,
    "hdf5": read_hdf5,
    NESTED_FORMAT: read_nested,
}


def read_table(path: str | os.PathLike[str], fmt: str | None = None) -> Table:
    """Read a file written by :class:`LightCurveWriter` back as an astropy Table, in full.

    Strings come back as ``str``, numbers in native byte order, NaN as NaN (not masked), the
    generation settings in ``meta`` and units on the columns. A nested Parquet file comes back
    as its long rows (:func:`read_nested`), whether ``fmt`` is ``nested`` or ``None``.

    Args:
        path: the file.
        fmt: format name; ``None``: from the suffix (see :data:`FORMATS`).
    """
    path = Path(path)
    fmt = format_for(path) if fmt is None else _check_format(fmt)
    if not path.is_file():
        raise FileNotFoundError(f"light-curve table not found: {path}")
    return _READERS[fmt](path)
