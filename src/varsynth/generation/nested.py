"""The nested layout of generated light curves: one row per star, its epochs nested.

The long format (:data:`~varsynth.generation.writers.LONG_SCHEMA`) repeats each star's parameters
on every epoch. The nested layout stores them once: one row per light-curve ``id`` with the
columns that hold one value per star (:data:`STAR_COLUMNS`: class, subtype, physics, epoch of
phase 0, distance modulus, extinction, cadence), and one column :data:`NESTED_COLUMN` holding its
epochs, with the other columns (``time`` MJD, ``band``, ``mag``, ``mag_err`` mag and the
band-dependent ``extrapolated`` flag), in the order of the long rows (time order).

The nested column is a struct of lists, ``struct<time: list<double>, band: list<string>, ...>``,
the layout nested-pandas writes by default (``NestedFrame.to_parquet``) and reads as a nested
column (``nested_pandas.read_parquet``), also one sub-column at a time
(``columns=["id", "lightcurve.mag"]``), which a list of structs does not allow. Units and
descriptions stay as field metadata on the struct's fields; the long column order is kept in the
schema metadata (:data:`LAYOUT_KEY`), so that :func:`to_long` gives back the long rows exactly.

Pure pyarrow: nested-pandas is needed only to read the file as a ``NestedFrame``.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "LAYOUT_KEY",
    "NESTED_COLUMN",
    "STAR_COLUMNS",
    "NestedRows",
    "is_nested",
    "leaf_path",
    "nested_schema",
    "to_long",
]

#: Column holding each star's epochs (a struct of equally long lists).
NESTED_COLUMN = "lightcurve"
#: Columns of the long format with one value per star (``id`` first): top-level in the nested layout.
#: ``extrapolated`` is not one of them: a band outside the trained wavelengths flags only its epochs.
STAR_COLUMNS: tuple[str, ...] = (
    "id",
    "vclass",
    "subtype",
    "teff",
    "abs_mag",
    "period",
    "epoch",
    "distance_modulus",
    "extinction",
    "cadence",
)
#: Schema-metadata key of the nested layout: JSON ``{"column": ..., "long_columns": [...]}``.
LAYOUT_KEY = b"varsynth.layout"


def nested_schema(long: pa.Schema) -> pa.Schema:
    """The nested schema of rows of the ``long`` schema: its :data:`STAR_COLUMNS` (in its order)
    then :data:`NESTED_COLUMN`, a struct of one list per other column, field metadata kept.

    Raises:
        ValueError: ``long`` has no ``id`` column, or no column besides the per-star ones.
    """
    if "id" not in long.names:
        raise ValueError(f"the nested format needs an 'id' column naming each star; columns: {long.names}")
    if NESTED_COLUMN in long.names:
        raise ValueError(f"column {NESTED_COLUMN!r} is the nested format's own; rename it")
    star = [f for f in long if f.name in STAR_COLUMNS]
    epoch = [pa.field(f.name, pa.list_(f.type), metadata=f.metadata) for f in long if f.name not in STAR_COLUMNS]
    if not epoch:
        raise ValueError(f"the nested format needs a per-epoch column besides {list(STAR_COLUMNS)}; got {long.names}")
    described = {"description": "the star's epochs, in time order: one list per column, all of one length"}
    layout = {"column": NESTED_COLUMN, "long_columns": long.names}
    return pa.schema(
        [*star, pa.field(NESTED_COLUMN, pa.struct(epoch), metadata=described)],
        metadata={**(long.metadata or {}), LAYOUT_KEY: json.dumps(layout)},
    )


def leaf_path(name: str) -> str:
    """The Parquet column path of the long column ``name`` in the nested layout (the names
    ``pyarrow.parquet.ParquetWriter`` takes for per-column encodings and statistics)."""
    return name if name in STAR_COLUMNS else f"{NESTED_COLUMN}.{name}.list.element"


def is_nested(schema: pa.Schema) -> bool:
    """Whether ``schema`` (e.g. ``pyarrow.parquet.read_schema(path)``) is of the nested layout."""
    return LAYOUT_KEY in (schema.metadata or {})


def _changes(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Whether each row's value differs from the previous row's (length n - 1; NaN equals NaN)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_floating(column.type):
        values = column.to_numpy()
        return (values[1:] != values[:-1]) & ~(np.isnan(values[1:]) & np.isnan(values[:-1]))
    return pc.not_equal(column[1:], column[:-1]).to_numpy(zero_copy_only=False)


def _to_nested(rows: pa.Table, schema: pa.Schema) -> pa.Table:
    """The whole stars in ``rows`` (long rows, each star's contiguous) as rows of ``schema``."""
    ids = rows["id"].combine_chunks()
    starts = np.flatnonzero(np.r_[True, _changes(ids)]) if rows.num_rows else np.zeros(0, np.int64)
    if pc.count_distinct(ids).as_py() != starts.size:
        seen, dup = set(), None
        for value in ids.take(pa.array(starts)).to_pylist():
            dup = value if value in seen else dup
            seen.add(value)
        raise ValueError(
            f"light curve {dup!r}: its rows are not contiguous; the nested format needs each star's together"
        )
    first = np.zeros(rows.num_rows, bool)
    first[starts] = True
    for name in STAR_COLUMNS[1:]:
        if name in rows.column_names:
            differs = _changes(rows[name]) & ~first[1:]
            if differs.any():
                star = ids[int(np.argmax(differs)) + 1].as_py()
                raise ValueError(
                    f"light curve {star!r}: column {name!r} changes between its epochs; the nested format "
                    f"holds one value per star in {list(STAR_COLUMNS)}"
                )
    take = pa.array(starts)
    offsets = pa.array(np.r_[starts, rows.num_rows], pa.int32())
    struct = schema.field(NESTED_COLUMN).type
    lists = [
        pa.ListArray.from_arrays(offsets, rows[f.name].combine_chunks(), type=f.type)
        for f in (struct.field(i) for i in range(struct.num_fields))
    ]
    columns = [rows[f.name].take(take) for f in schema if f.name != NESTED_COLUMN]
    columns.append(pa.StructArray.from_arrays(lists, fields=list(struct)))
    return pa.Table.from_arrays(columns, schema=schema)


class NestedRows:
    """Long rows in, nested rows of whole stars out: each star's epochs may span several chunks,
    so the last star of a chunk is held until a chunk starts with another star (or :meth:`finish`).

    Memory: one star's rows held, besides the chunk being converted.

    Args:
        long: the schema of the long rows (:func:`nested_schema` gives the output's).
    """

    def __init__(self, long: pa.Schema) -> None:
        self.schema = nested_schema(long)
        self._held: list[pa.Table] = []  # rows of one star, not yet known to be complete

    def push(self, chunk: pa.Table) -> tuple[pa.Table, int] | None:
        """Add long rows (each star's contiguous, stars in order); return the nested rows of the
        stars now complete and their number of epochs, or ``None`` when none is.

        Raises:
            ValueError: a star's rows are not contiguous, or a per-star column changes within a star.
        """
        if not chunk.num_rows:
            return None
        ids = chunk["id"]
        last = ids[-1]
        same = pc.equal(ids, last).to_numpy(zero_copy_only=False)
        split = int(np.flatnonzero(~same)[-1]) + 1 if not same.all() else 0
        if split == 0 and self._held and self._held[0]["id"][0] == last:
            self._held.append(chunk)  # the held star goes on
            return None
        done = [*self._held, chunk.slice(0, split)]
        self._held = [chunk.slice(split)]
        return self._convert(done)

    def finish(self) -> tuple[pa.Table, int] | None:
        """The nested row of the last star held (with its epochs), or ``None`` when there is none."""
        done, self._held = self._held, []
        return self._convert(done)

    def _convert(self, tables: list[pa.Table]) -> tuple[pa.Table, int] | None:
        rows = pa.concat_tables([t for t in tables if t.num_rows]) if any(t.num_rows for t in tables) else None
        return None if rows is None else (_to_nested(rows, self.schema), rows.num_rows)


def to_long(table: pa.Table) -> pa.Table:
    """The long rows of a nested table (:func:`nested_schema`): one row per epoch, columns in the
    long order, each star's values repeated on its epochs, field and schema metadata kept.

    Raises:
        ValueError: ``table`` is not of the nested layout.
    """
    meta = dict(table.schema.metadata or {})
    if LAYOUT_KEY not in meta:
        raise ValueError(f"not a nested light-curve table: no {LAYOUT_KEY.decode()!r} schema metadata")
    layout = json.loads(meta.pop(LAYOUT_KEY))
    nested = table[layout["column"]].combine_chunks()
    struct = table.schema.field(layout["column"]).type
    if not nested.type.num_fields:
        raise ValueError("the nested column holds no fields")
    first = nested.flatten()[0]
    parents = pc.list_parent_indices(first) if len(first) else pa.array([], pa.int64())
    fields, columns = {}, {}
    for f, lists in zip(struct, nested.flatten(), strict=True):
        fields[f.name] = pa.field(f.name, f.type.value_type, metadata=f.metadata)
        columns[f.name] = pc.list_flatten(lists)
    for f in table.schema:
        if f.name != layout["column"]:
            fields[f.name] = f
            columns[f.name] = table[f.name].take(parents)
    order = layout["long_columns"]
    return pa.Table.from_arrays(
        [columns[n] for n in order], schema=pa.schema([fields[n] for n in order], metadata=meta)
    )
