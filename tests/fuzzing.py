"""Strategies and settings shared by the property-based (fuzz) tests of the file readers.

Every reader is fed files built from its real format (header, delimiter, column order) and then
damaged: fields replaced by junk (NaN spellings, overflowing numbers, text, quotes, control
characters), fields or columns dropped, lines truncated, duplicated, swapped or interleaved with
blank and comment lines, other line endings, other text encodings, random bytes inserted, the file
cut short, or replaced by binary junk. Hypothesis shrinks a failure to the smallest such file.

Volume: tests marked ``fuzz`` run :data:`EXAMPLES` inputs each. ``pytest`` (the CI run) uses the
``ci`` profile (:data:`CI_EXAMPLES`); ``pytest -m fuzz`` selects the ``nightly`` profile
(:data:`NIGHTLY_EXAMPLES`, see ``tests/conftest.py``); ``VARSYNTH_FUZZ_EXAMPLES=N`` overrides
either.
"""

from __future__ import annotations

import bz2
import gzip
import os
from collections.abc import Callable, Sequence

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Inputs per fuzz test in the default run and in ``pytest -m fuzz``.
CI_EXAMPLES = 60
NIGHTLY_EXAMPLES = 10_000

#: Set by ``tests/conftest.py`` before the test modules are imported.
PROFILE_ENV = "VARSYNTH_FUZZ_PROFILE"

settings.register_profile(
    "varsynth-fuzz-ci",
    max_examples=CI_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
settings.register_profile(
    "varsynth-fuzz-nightly",
    max_examples=NIGHTLY_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


def fuzz_profile() -> str:
    """``nightly`` under ``pytest -m fuzz`` (or ``VARSYNTH_FUZZ_PROFILE=nightly``), else ``ci``."""
    return "nightly" if os.environ.get(PROFILE_ENV, "ci") == "nightly" else "ci"


def fuzz_settings() -> settings:
    """The settings of one fuzz test: the selected profile, ``VARSYNTH_FUZZ_EXAMPLES`` if set."""
    base = settings.get_profile(f"varsynth-fuzz-{fuzz_profile()}")
    override = os.environ.get("VARSYNTH_FUZZ_EXAMPLES")
    return settings(base, max_examples=int(override)) if override else base


#: Texts that replace a field: missing-value spellings, non-finite and overflowing numbers,
#: signs alone, locale decimals, text, quotes, brackets, control and non-ASCII characters.
JUNK_FIELDS: tuple[str, ...] = (
    "",
    " ",
    "nan",
    "NaN",
    "-nan",
    "NA",
    "null",
    "None",
    "inf",
    "-inf",
    "Infinity",
    "1e400",
    "-1e400",
    "1e-400",
    "0",
    "-0",
    "0.0",
    "-1",
    "-99.99",
    "99",
    "99.999",
    "x",
    "--",
    "-",
    "+",
    ".",
    "1,5",
    "1.2.3",
    "0x1p3",
    "1_000",
    "\u0661\u0662",
    "\x00",
    "\ufeff",
    '"',
    "'",
    '""',
    "[",
    "]",
    "[]",
    "[1,",
    "#",
    "\t",
    "\x1c",
    "\u2028",
    "é",
    "9" * 400,
    "1e308",
    "-1e308",
    "True",
)


def numbers(low: float, high: float) -> st.SearchStrategy[str]:
    """A finite number in ``[low, high]`` written as a survey would (fixed, repr or exponent)."""
    value = st.floats(low, high, allow_nan=False, allow_infinity=False)
    style = st.sampled_from(["{:.5f}", "{!r}", "{:.3f}", "{:.6e}", "{:g}"])
    return st.builds(lambda v, s: s.format(v), value, style)


def integers(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(str)


@st.composite
def damaged_rows(draw: st.DrawFn, rows: list[list[str]]) -> list[list[str]]:
    """``rows`` with a few fields replaced, removed or added (each row a list of fields)."""
    rows = [list(r) for r in rows]
    for _ in range(draw(st.integers(0, 4))):
        if not rows:
            break
        row = rows[draw(st.integers(0, len(rows) - 1))]
        kind = draw(st.sampled_from(["junk", "junk", "text", "drop", "add", "clear"]))
        if kind == "clear":
            row.clear()
            continue
        if not row:
            continue
        j = draw(st.integers(0, len(row) - 1))
        if kind == "junk":
            row[j] = draw(st.sampled_from(JUNK_FIELDS))
        elif kind == "text":
            row[j] = draw(st.text(max_size=12))
        elif kind == "drop":
            del row[j]
        else:
            row.insert(j, draw(st.sampled_from(JUNK_FIELDS) | numbers(-1e3, 1e3)))
    return rows


@st.composite
def damaged_lines(draw: st.DrawFn, lines: list[str], *, comment: str = "#") -> list[str]:
    """``lines`` with a few truncated, duplicated, swapped, removed, or blank/comment lines added."""
    lines = list(lines)
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["truncate", "duplicate", "swap", "remove", "blank", "comment", "junk"]))
        if not lines and kind not in ("blank", "comment", "junk"):
            continue
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        if kind == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            k = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[k] = lines[k], lines[i]
        elif kind == "remove":
            del lines[i]
        elif kind == "blank":
            lines.insert(i, draw(st.sampled_from(["", " ", "\t", "   "])))
        elif kind == "comment":
            lines.insert(i, comment + draw(st.text(max_size=20)))
        else:
            lines.insert(i, draw(st.text(max_size=40)))
    return lines


@st.composite
def encoded(draw: st.DrawFn, lines: list[str]) -> bytes:
    """The lines joined with some line ending, in some encoding, possibly damaged as bytes."""
    newline = draw(st.sampled_from(["\n", "\n", "\n", "\r\n", "\r"]))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "latin-1", "cp1252", "utf-16", "utf-32"]))
    data = text.encode(encoding, errors="replace")
    return draw(damaged_bytes(data))


@st.composite
def damaged_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` unchanged (most often), cut short, with random bytes inserted or flipped, or junk."""
    kind = draw(st.sampled_from(["keep"] * 6 + ["cut", "insert", "flip", "junk", "empty"]))
    if kind == "cut":
        return data[: draw(st.integers(0, len(data)))]
    if kind == "insert":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=16)) + data[at:]
    if kind == "flip" and data:
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
        return bytes(out)
    if kind == "junk":
        return draw(st.binary(max_size=200))
    if kind == "empty":
        return b""
    return data


def delimited_file(
    row: st.SearchStrategy[list[str]],
    *,
    header: Sequence[str] | None,
    sep: str,
    max_rows: int = 25,
    quote: Callable[[str], str] | None = None,
    header_variants: bool = True,
) -> st.SearchStrategy[bytes]:
    """A delimited text file of ``row``s under ``header`` (``None``: no header line), damaged.

    ``quote`` writes a field (e.g. CRTS quotes its header names); header variants drop, rename,
    repeat or reorder a column name, or leave the header line out.
    """

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        rows = draw(damaged_rows(draw(st.lists(row, max_size=max_rows))))
        head = list(header) if header is not None else None
        if head is not None and header_variants:
            kind = draw(st.sampled_from(["keep"] * 8 + ["drop", "rename", "repeat", "reorder", "none", "case"]))
            j = draw(st.integers(0, len(head) - 1))
            if kind == "drop":
                del head[j]
            elif kind == "rename":
                head[j] = draw(st.sampled_from(JUNK_FIELDS) | st.text(max_size=8))
            elif kind == "repeat":
                head.insert(j, head[j])
            elif kind == "reorder":
                head = draw(st.permutations(head))
            elif kind == "case":
                head[j] = head[j].upper()
            elif kind == "none":
                head = None
        write = quote or (lambda f: f)
        lines = ([sep.join(write(h) for h in head)] if head is not None else []) + [sep.join(r) for r in rows]
        return draw(encoded(draw(damaged_lines(lines))))

    return build()


def compressed(data: bytes, compression: str) -> bytes:
    """``data`` as written with ``compression``: ``none``, ``gz`` or ``bz2``."""
    if compression == "gz":
        return gzip.compress(data, mtime=0)
    if compression == "bz2":
        return bz2.compress(data)
    return data
