"""SNANA LCLIB libraries of generated periodic variables: writer, reader and format check.

An LCLIB file is the text library SNANA's simulation (``GENMODEL: LCLIB <file> <template epochs>``)
reads for Galactic variables: a documentation block, a global header (``SURVEY:``, ``FILTERS:``,
``MODEL:``, ``MODEL_PARNAMES:``, ``RECUR_CLASS:``, ``NEVENT:``), then one event per star:
``START_EVENT: <id>``, ``NROW: <rows>``, ``PARVAL: <one value per parameter name>``, the rows
``S: <day> <mag per filter>`` and ``END_EVENT: <id>``.

The rules here are those of SNANA's reader, ``src/genmag_LCLIB.c`` and ``src/genmag_LCLIB.h`` of
the public repository RickKessler/SNANA (:data:`SPEC`), read line by line:

* for ``RECUR_CLASS: RECUR-PERIODIC`` the period is the day span of the ``S:`` rows
  (``DAYCOVER_S``), the first and last ``S:`` magnitudes must agree within 0.0011 mag in every
  filter (``checkMag_PERIODIC_LCLIB``: the last row repeats the first), the random phase shift
  drops the last row as that duplicate (``ranPhase_PERIODIC_LCLIB``), and template ``T:`` rows
  may be left out: SNANA builds them from the ``S:`` rows (``addTemplateRows_PERIODIC``);
* ``NROW`` must equal the number of ``S:`` and ``T:`` rows; every row has a day and one
  magnitude per character of ``FILTERS``; days never decrease; ``T:`` rows come first;
* magnitudes must lie in [5, 99.01] (``MAGBRIGHT_LCLIB``, ``MAGFAINT_LCLIB``: SNANA aborts
  outside) and are clipped at 31; they are stored as integer millimagnitudes;
* lines are read into 200-character buffers, ``MODEL_PARNAMES`` into a 60-character one
  (comma-separated, no ``#``, at most 40 names), each ``PARVAL`` value into 20 characters; the
  ``PARVAL:`` line is read from its 9th character (``PARVAL: `` at the start of the line);
* the header before the first ``START_EVENT:`` may hold at most 1000 words, documentation
  included; the reader skips the ``DOCUMENTATION:`` .. ``DOCUMENTATION_END:`` block since June 2021,
  older readers matched header keys anywhere, so the documentation here uses none of them.

SNANA adds no distance modulus: the library's magnitudes are apparent. It adds Milky Way
extinction itself (``GALextinct`` from the event's E(B-V)), so the library's magnitudes are before
extinction unless ``extinction`` is asked for.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from varsynth.bands import BANDS
from varsynth.config import ConfigError
from varsynth.data.io import atomic_write, check_writable, remove_stale_temporaries
from varsynth.generation.request import StarRequest
from varsynth.taxonomy import CLASSES

__all__ = [
    "SPEC",
    "PARNAMES",
    "MISSING",
    "MAG_RANGE",
    "MAX_PHASES",
    "LclibEvent",
    "LclibLibrary",
    "LclibFormatError",
    "lclib_filter",
    "resolve_bands",
    "estimate_bytes",
    "check_export",
    "write_lclib",
    "read_lclib",
    "check_lclib",
]

#: The specification followed: SNANA's reader (file, repository, commit).
SPEC = (
    "src/genmag_LCLIB.c and src/genmag_LCLIB.h of github.com/RickKessler/SNANA, commit "
    "9892138ce548e82538135e40ec17d8a31d443c79 (reader history up to Nov 15 2021)"
)
#: Parameter names of every event (``MODEL_PARNAMES``), in ``PARVAL`` order.
PARNAMES: tuple[str, ...] = ("CLASS", "SUBTYPE", "TEFF", "ABSMAG_G", "PERIOD", "DISTMOD", "AV", "EXTRAP")
#: ``PARVAL`` of an unknown value (SNANA's own initial value of a parameter).
MISSING = -999.0
#: Magnitudes written (mag): SNANA aborts below 5 and clips above 31.
MAG_RANGE: tuple[float, float] = (5.0, 31.0)
#: Most phases per cycle (SNANA allows 10^6 rows per event; 10^5 keeps a file readable).
MAX_PHASES = 100_000
#: The ``RECUR_CLASS`` values SNANA knows.
RECUR_CLASSES = (
    "RECUR-PERIODIC",
    "RECUR_PERIODIC",
    "PERIODIC",
    "RECUR-NONPERIODIC",
    "RECUR_NONPERIODIC",
    "NONPERIODIC",
    "NON-RECUR",
    "NON_RECUR",
    "NONRECUR",
)
_PERIODIC = ("RECUR-PERIODIC", "RECUR_PERIODIC", "PERIODIC")
#: Header keys of the reader; none may appear inside the documentation block.
_RESERVED = (
    "SURVEY:",
    "FILTERS:",
    "NEVENT:",
    "RECUR_CLASS:",
    "RECUR_TYPE:",
    "MODEL:",
    "MODEL_PARNAMES:",
    "MODEL_PARAMETERS:",
    "REDSHIFT_RANGE:",
    "START_EVENT:",
    "END_EVENT:",
    "PARVAL:",
    "NROW:",
    "NOBS:",
    "S:",
    "T:",
    "GENRANGE_RANMAG:",
    "GENRANGE_DIFMAG:",
)
_MAX_LINE = 199  # fgets(LINE, 200): characters per line before the newline
_MAX_HEADER_WORDS = 1000  # words before the first START_EVENT:
_MAX_PARNAMES_CHARS = 59  # tmpString[60]
_MAX_PARVAL_CHARS = 19  # stringPARVAL[][20]
_MAX_PARNAMES = 40  # MXPAR_LCLIB
_MAG_FAINT_ABORT = 99.01  # MAGFAINT_LCLIB
_PERIODIC_TOLERANCE = 0.0011  # checkMag_PERIODIC_LCLIB, mag
#: Band names whose SNANA filter character differs (LSST y is ``Y`` in SNANA's LSST filter sets).
_SNANA_FILTER = {("lsst", "y"): "Y"}
_DEFAULT_SURVEY = "lsst"


class LclibFormatError(ValueError):
    """A file that breaks a rule of SNANA's LCLIB reader (the message names the line)."""


@dataclass(frozen=True)
class LclibEvent:
    """One event (star) of a library: its id, parameter values and rows.

    Attributes:
        id: the ``START_EVENT`` id.
        parval: the ``PARVAL`` values, in ``MODEL_PARNAMES`` order.
        keys: ``"S"`` or ``"T"`` per row.
        day: day of each row (days; 0 at the first row of a varsynth template).
        mag: magnitudes (mag), shape (rows, filters), in ``FILTERS`` order.
    """

    id: int
    parval: np.ndarray
    keys: np.ndarray
    day: np.ndarray
    mag: np.ndarray


@dataclass(frozen=True)
class LclibLibrary:
    """A library read back: documentation text, header keys, parameter names and events."""

    documentation: str
    header: dict[str, str]
    parnames: tuple[str, ...]
    events: list[LclibEvent] = field(default_factory=list)

    @property
    def filters(self) -> str:
        """The ``FILTERS`` characters, one per magnitude column."""
        return self.header.get("FILTERS", "")

    def parameters(self) -> Any:
        """The parameter table (astropy Table): ``EVENT_ID`` then one column per parameter name."""
        from astropy.table import Table

        columns: dict[str, Any] = {"EVENT_ID": np.array([e.id for e in self.events], dtype=np.int64)}
        values = np.array([e.parval for e in self.events], dtype=float).reshape(len(self.events), len(self.parnames))
        for j, name in enumerate(self.parnames):
            columns[name] = values[:, j]
        return Table(columns)


def lclib_filter(survey: str, band: str) -> str:
    """The SNANA filter character of ``band`` of ``survey`` (LSST ``y`` is ``Y``)."""
    return _SNANA_FILTER.get((survey, band), band)


def _band_name(survey: str, name: str) -> str:
    """A band of ``survey`` from its varsynth name or its SNANA filter character."""
    if (survey, name) in BANDS:
        return name
    for (s, b), char in _SNANA_FILTER.items():
        if s == survey and char == name:
            return b
    valid = [lclib_filter(survey, n) for s, n in BANDS if s == survey]
    raise ConfigError(f"bands (--bands): {name!r} is not a band of survey {survey!r}; valid: {valid}")


def resolve_bands(survey: str, bands: Iterable[str] | None) -> tuple[str, ...] | None:
    """The varsynth band names of ``bands`` (SNANA characters accepted), ``None`` when not given.

    Raises:
        ConfigError: an unknown survey or band, a band given twice, or two bands with one
            SNANA filter character (the file's columns are named by single characters).
    """
    surveys = sorted({s for s, _ in BANDS})
    if survey not in surveys:
        raise ConfigError(f"survey (--survey) must be one of {surveys}, got {survey!r}")
    if bands is None:
        return None
    names = tuple(_band_name(survey, b) for b in bands)
    if not names:
        raise ConfigError("bands (--bands): give at least one band")
    chars = [lclib_filter(survey, b) for b in names]
    if len(set(chars)) != len(chars):
        raise ConfigError(f"bands (--bands): each band once, got {list(bands)}")
    bad = [c for c in chars if len(c) != 1 or not c.isalpha()]
    if bad:
        raise ConfigError(f"bands (--bands): LCLIB names filters by single letters; {bad} are not")
    return names


def estimate_bytes(n: int, phases: int, n_filters: int) -> int:
    """Bytes of a library of ``n`` events of ``phases + 1`` rows in ``n_filters`` filters, an upper
    bound: rows of at most 16 characters for the day and 9 per magnitude, 200 per event besides
    its rows, 4 kB of header."""
    return 4096 + n * (200 + (phases + 1) * (4 + 16 + 9 * n_filters))


def check_export(
    path: str | Path,
    *,
    n: int,
    phases: int,
    survey: str = _DEFAULT_SURVEY,
    bands: Iterable[str] | None = None,
    seed: int = 0,
    chunk_size: int = 1000,
) -> tuple[str, ...] | None:
    """Refuse a library export before the model loads; returns the resolved bands.

    Raises:
        ConfigError: ``n`` < 1, ``phases`` outside [2, :data:`MAX_PHASES`], a negative seed, a
            chunk size < 1, an unknown survey or band, an output path that cannot be written, or
            an output larger than the free space of its folder (named, with the reason).
    """
    from varsynth.generation.checks import _free_bytes

    for name, value, low in (
        ("n (-n)", n, 1),
        ("seed (--seed)", seed, 0),
        ("chunk_size (--chunk-size)", chunk_size, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}")
    if isinstance(phases, bool) or not isinstance(phases, (int, np.integer)) or not 2 <= phases <= MAX_PHASES:
        raise ConfigError(f"phases (--phases) must be an integer in [2, {MAX_PHASES}], got {phases!r}")
    names = resolve_bands(survey, bands)
    try:
        check_writable(path, "output (-o)")
    except ValueError as err:
        raise ConfigError(str(err)) from None
    remove_stale_temporaries(path)
    needed = estimate_bytes(n, phases, len(names) if names else sum(s == survey for s, _ in BANDS))
    free = _free_bytes(Path(path))
    if needed > free:
        raise ConfigError(
            f"output (-o) {path} would take up to {needed} bytes ({n} events x {phases + 1} rows), but "
            f"{free} are free there; write fewer stars or phases, or elsewhere"
        )
    return names


# ----------------------------------------------------------------------------------------- writing


def _subtypes(model: Any, vclass: str) -> list[str]:
    """The class's subtypes in the model's training data, sorted: their index is the ``SUBTYPE`` code."""
    catalog = model.catalog
    return sorted({s for s in catalog.subtype[catalog.rows(vclass)].tolist() if s})


def _documentation(
    request: StarRequest, *, survey: str, phases: int, seed: int, model_name: str, subtypes: list[str]
) -> list[str]:
    from varsynth import __version__

    sub = f" subtype {request.subtype}" if request.subtype else ""
    codes = " ".join(f"{i} {c}" for i, c in enumerate(CLASSES))
    sub_codes = "; ".join(["-9 none"] + [f"{i} {s}" for i, s in enumerate(subtypes)])
    return [
        "DOCUMENTATION:",
        f"  PURPOSE: noiseless one-cycle templates of synthetic {request.vclass}{sub} light curves, {survey} filters",
        "  REF:",
        "  - AUTHOR: Martinez-Palomera, Bloom and Abrahams 2022, AJ 164, 263 (PELS-VAE, the model varsynth extends)",
        "  USAGE_KEY: GENMODEL",
        "  USAGE_CODE: snlc_sim.exe",
        "  VALIDATE_SCIENCE: varsynth evaluate (fidelity report of the model against real survey light curves)",
        "  NOTES:",
        f"  - made by varsynth {__version__} with model {model_name}, seed {seed}, {phases} phases per cycle",
        "  - each event is one cycle from day 0 (phase 0) to day PERIOD; the last row repeats the first",
        "  - magnitudes are apparent and noiseless, before Milky Way extinction (the simulation adds it)",
        "  - DISTMOD is the distance modulus used, AV any extinction varsynth added (default 0)",
        "  - a parameter value of -999 is unknown (e.g. TEFF of a class whose training stars have none)",
        "  PARAMS:",
        f"  - CLASS: class code ({codes})",
        f"  - SUBTYPE: subtype code ({sub_codes})",
        "  - TEFF: effective temperature (K)",
        "  - ABSMAG_G: absolute Gaia G magnitude (mag)",
        "  - PERIOD: period (days)",
        "  - DISTMOD: distance modulus (mag)",
        "  - AV: V-band extinction (mag)",
        "  - EXTRAP: 1 when the physics or a filter lies outside the model's training range, else 0",
        "DOCUMENTATION_END:",
    ]


def _header(survey: str, filters: str, n: int) -> list[str]:
    return [
        "",
        f"SURVEY: {survey.upper()}",
        f"FILTERS: {filters}",
        "MODEL: varsynth",
        f"MODEL_PARNAMES: {','.join(PARNAMES)}",
        "RECUR_CLASS: RECUR-PERIODIC",
        f"NEVENT: {n}",
        "",
    ]


def _num(value: float) -> str:
    """A parameter value or day as written: 9 significant digits (one text for PERIOD and the last day)."""
    return f"{value:.9g}"


def _stars(tables: Iterable[Any]) -> Iterator[dict[str, np.ndarray]]:
    """Per star, its rows (numpy columns) from the engine's tables in star then time order (a star's
    rows may span tables)."""
    from varsynth.generation.writers import check_finite

    names = ("id", "time", "band", "mag", "teff", "abs_mag", "period", "distance_modulus", "extinction", "extrapolated")
    pending: dict[str, np.ndarray] | None = None
    for table in tables:
        check_finite(table)  # before anything of the star is formatted
        cols = {k: table[k].to_numpy(zero_copy_only=False) for k in names}
        if pending is not None:
            cols = {k: np.concatenate([pending[k], cols[k]]) for k in names}
        ids = cols["id"]
        cuts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
        bounds = [0, *cuts.tolist(), len(ids)]
        for a, b in zip(bounds[:-2], bounds[1:-1]):
            yield {k: v[a:b] for k, v in cols.items()}
        pending = {k: v[bounds[-2] :] for k, v in cols.items()} if len(ids) else pending
    if pending is not None and len(pending["id"]):
        yield pending


def _template(star: dict[str, np.ndarray], bands: tuple[str, ...], phases: int) -> tuple[np.ndarray, np.ndarray]:
    """Days (phases + 1; the last is the period) and magnitudes (phases + 1, bands) of one star,
    the last row repeating the first."""
    period = float(star["period"][0])
    mags = []
    for b in bands:
        sel = star["band"] == b
        if int(sel.sum()) != phases:
            raise RuntimeError(f"light curve {star['id'][0]!r}: {int(sel.sum())} epochs in band {b}, expected {phases}")
        mags.append(star["mag"][sel])
    mag = np.column_stack(mags)
    day = star["time"][star["band"] == bands[0]]
    return np.append(day, period), np.vstack([mag, mag[:1]])


def _check_magnitudes(star_id: str, mag: np.ndarray) -> None:
    lo, hi = MAG_RANGE
    if mag.min() < lo or mag.max() > hi:
        raise ConfigError(
            f"light curve {star_id!r}: magnitudes {mag.min():.2f} .. {mag.max():.2f} leave [{lo:g}, {hi:g}] mag, which "
            "SNANA's LCLIB reader refuses (brighter than 5) or clips (fainter than 31): give another distance "
            "modulus (--distance-modulus) or mean magnitude (--mean-mag)"
        )


def _event_lines(event_id: int, parval: list[float], day: np.ndarray, mag: np.ndarray) -> list[str]:
    rows = [f"S: {_num(d)} " + " ".join(f"{m:.4f}" for m in row) for d, row in zip(day, mag)]
    return [
        f"START_EVENT: {event_id}",
        f"NROW: {len(rows)}",
        "PARVAL: " + " ".join(_num(v) for v in parval),
        *rows,
        f"END_EVENT: {event_id}",
        "",
    ]


def _parval(star: dict[str, np.ndarray], vclass: str, subtype_code: int) -> list[float]:
    """The ``PARVAL`` values of a star, :data:`MISSING` for an unknown one (e.g. Teff of a class
    whose training stars have none)."""
    values = [
        CLASSES.index(vclass),
        subtype_code,
        float(star["teff"][0]),
        float(star["abs_mag"][0]),
        float(star["period"][0]),
        float(star["distance_modulus"][0]),
        float(star["extinction"][0]),
        int(bool(star["extrapolated"].any())),
    ]
    return [v if math.isfinite(v) else MISSING for v in values]


def write_lclib(
    path: str | Path,
    request: StarRequest,
    *,
    n: int = 1,
    survey: str = _DEFAULT_SURVEY,
    bands: Iterable[str] | None = None,
    phases: int = 100,
    model: Any = "default",
    seed: int = 0,
    allow_extrapolation: bool = False,
    chunk_size: int = 1000,
    progress: bool = False,
) -> dict[str, Any]:
    """Write ``n`` noiseless one-cycle templates of ``request``'s class as an SNANA LCLIB file.

    Each star is drawn by the generation engine (:func:`~varsynth.generation.engine.iter_generate`:
    physics, flow, decoder, photometry) observed by a
    :class:`~varsynth.cadences.simple.PhaseGridCadence` (``phases`` evenly spaced phases, each band)
    with its epoch of phase 0 at day 0 and noise off, so its rows are days ``k * period / phases``
    (k = 0 .. phases) and apparent magnitudes; the last row (day = period) repeats the first.

    Arguments:
        path: output file; written to a temporary file renamed onto it when complete.
        request: class and physics (``epoch`` is ignored: templates start at phase 0).
        n: number of stars (events).
        survey: photometric system of the bands (default ``lsst``).
        bands: bands (varsynth names or SNANA characters, e.g. ``Y`` for LSST y); default all of
            the survey's within the model's trained wavelength range (the others are left out).
        phases: phases per cycle (rows per event: ``phases + 1``).
        model, seed, allow_extrapolation, chunk_size, progress: as :func:`iter_generate`.

    Returns:
        A report: ``path``, ``stars``, ``rows`` (template rows), ``filters`` and ``bytes``.

    Raises:
        ConfigError: invalid inputs (before the model loads), physics or bands outside the
            training range without ``allow_extrapolation``, or magnitudes outside
            :data:`MAG_RANGE` (nothing is written).
    """
    from varsynth.cadences.simple import PhaseGridCadence
    from varsynth.generation.config import GenerationConfig
    from varsynth.generation.engine import generate_chunks
    from varsynth.generation.model import GenerativeModel, load_model

    names = check_export(path, n=n, phases=phases, survey=survey, bands=bands, seed=seed, chunk_size=chunk_size)
    all_bands = names or tuple(b for s, b in BANDS if s == survey)
    gm = model if isinstance(model, GenerativeModel) else load_model(model)
    subtypes = _subtypes(gm, request.vclass)
    subtype_code = subtypes.index(request.subtype) if request.subtype in subtypes else -9
    template_request = StarRequest(
        request.vclass,
        request.subtype,
        request.teff,
        request.abs_mag,
        request.period,
        request.distance_modulus,
        request.mean_mag,
        request.extinction,
        0.0,
    )
    config = GenerationConfig(
        template_request,
        PhaseGridCadence(n_phases=phases, bands=all_bands, survey=survey),
        n=n,
        seed=seed,
        bands=names,
        allow_extrapolation=allow_extrapolation,
        noise=False,
        chunk_size=chunk_size,
        progress=progress,
    )
    tables = generate_chunks(config, gm)
    model_name = model if isinstance(model, (str, os.PathLike)) else "given"
    doc = _documentation(
        request, survey=survey, phases=phases, seed=seed, model_name=str(model_name), subtypes=subtypes
    )
    written: dict[str, Any] = {"stars": 0, "filters": ""}

    def write(tmp: Path) -> None:
        present: tuple[str, ...] = ()
        with open(tmp, "w", encoding="ascii", newline="\n") as fh:
            for event_id, star in enumerate(_stars(tables)):
                if event_id == 0:  # the bands the engine kept (out-of-range ones left out): every star has them
                    present = tuple(b for b in all_bands if b in set(star["band"].tolist()))
                    written["filters"] = "".join(lclib_filter(survey, b) for b in present)
                    fh.write("\n".join(doc + _header(survey, written["filters"], n)) + "\n")
                day, mag = _template(star, present, phases)
                _check_magnitudes(str(star["id"][0]), mag)
                fh.write(
                    "\n".join(_event_lines(event_id, _parval(star, request.vclass, subtype_code), day, mag)) + "\n"
                )
                written["stars"] = event_id + 1
            if written["stars"] != n:
                raise RuntimeError(f"{written['stars']} of {n} stars were generated; nothing is written")

    atomic_write(path, write)
    return {
        "path": str(path),
        "stars": written["stars"],
        "rows": written["stars"] * (phases + 1),
        "filters": written["filters"],
        "bytes": Path(path).stat().st_size,
    }


# ----------------------------------------------------------------------------------------- reading


def _lines(path: str | Path) -> list[str]:
    """The file's lines (a ``.gz`` file is read decompressed, as SNANA reads it)."""
    if str(path).endswith(".gz"):
        import gzip

        with gzip.open(path, "rt", encoding="ascii") as fh:
            return fh.read().splitlines()
    return Path(path).read_text(encoding="ascii").splitlines()


def _skipped(line: str) -> bool:
    """Blank and comment lines (``#`` first, or ``COMMENT:``), which the reader skips."""
    words = line.split()
    return not words or words[0].startswith("#") or words[0] == "COMMENT:"


def read_lclib(path: str | Path) -> LclibLibrary:
    """Read an LCLIB file: documentation, header keys, parameter names and every event.

    Raises:
        LclibFormatError: a malformed event or row (the message names the line).

    A library of two noiseless one-cycle RR Lyrae templates in LSST g and r, 20 phases each,
    written by :func:`write_lclib` and read back:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from varsynth.generation import StarRequest, read_lclib, write_lclib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     report = write_lclib(Path(tmp) / "rr.LCLIB", StarRequest("RRLYR"), n=2, bands=("g", "r"), phases=20)
    ...     library = read_lclib(Path(tmp) / "rr.LCLIB")
    >>> report["stars"], library.filters, len(library.events), library.events[0].mag.shape
    (2, 'gr', 2, (21, 2))
    >>> bool((library.events[0].mag[0] == library.events[0].mag[-1]).all())  # the last row repeats the first
    True
    """
    doc: list[str] = []
    header: dict[str, str] = {}
    events: list[LclibEvent] = []
    in_doc = False
    event: dict[str, Any] | None = None
    parnames: tuple[str, ...] = ()
    for number, line in enumerate(_lines(path), 1):
        words = line.split()
        if in_doc or (words and words[0] == "DOCUMENTATION:"):
            in_doc = not (words and words[0] == "DOCUMENTATION_END:")
            doc.append(line)
            continue
        if _skipped(line):
            continue
        key = words[0]
        try:
            if key == "START_EVENT:":
                event = {"id": int(words[1]), "parval": [], "rows": []}
            elif event is None:
                header[key.rstrip(":")] = " ".join(words[1:])
                if key in ("MODEL_PARNAMES:", "MODEL_PARAMETERS:"):
                    parnames = tuple(words[1].split(","))
            elif key == "PARVAL:":
                event["parval"] = [float(v) for v in line[8:].replace(",", " ").split()]
            elif key in ("S:", "T:"):
                event["rows"].append((key[0], [float(v) for v in words[1:]]))
            elif key == "END_EVENT:":
                events.append(_event(event))
                event = None
        except (ValueError, IndexError) as err:
            raise LclibFormatError(f"{path}, line {number}: cannot read {line.strip()[:60]!r} ({err})") from None
    return LclibLibrary("\n".join(doc), header, parnames, events)


def _event(event: dict[str, Any]) -> LclibEvent:
    rows = event["rows"]
    values = np.array([r[1] for r in rows], dtype=float) if rows else np.zeros((0, 1))
    return LclibEvent(
        event["id"], np.array(event["parval"], dtype=float), np.array([r[0] for r in rows]), values[:, 0], values[:, 1:]
    )


# ----------------------------------------------------------------------------------------- checking


def check_lclib(path: str | Path) -> list[str]:
    """The problems of an LCLIB file by the rules of SNANA's reader (:data:`SPEC`); empty when none.

    Checked: the documentation block first and free of header keys; the header keys present,
    once, before the first event, with a known ``RECUR_CLASS``, single-letter ``FILTERS`` each
    once, ``MODEL_PARNAMES`` within the reader's limits and ``NEVENT`` the number of events; lines
    and header words within the reader's buffers; per event: matching ``START_EVENT`` and
    ``END_EVENT`` ids, ``NROW`` the number of rows, one finite ``PARVAL`` per name, one finite
    magnitude per filter in [5, 99.01] mag, days never decreasing, ``T:`` rows before ``S:`` rows;
    for periodic libraries: ``S:`` rows from day 0 to day ``PERIOD`` (when a parameter) with the
    last magnitudes equal to the first.
    """
    lines = _lines(path)
    problems: list[str] = []
    problems += [
        f"line {i}: {len(s)} characters (the reader's limit is {_MAX_LINE})"
        for i, s in enumerate(lines, 1)
        if len(s) > _MAX_LINE
    ]
    header, first_event = _check_header(lines, problems)
    if first_event is None:
        return problems + ["no START_EVENT: found"]
    nfilt = len(header.get("FILTERS", ""))
    parnames = header.get("MODEL_PARNAMES", header.get("MODEL_PARAMETERS", ""))
    names = parnames.split(",") if parnames else []
    periodic = header.get("RECUR_CLASS", header.get("RECUR_TYPE")) in _PERIODIC
    n_events = _check_events(lines, first_event, nfilt, names, periodic, problems)
    if header.get("NEVENT", "").strip().isdigit() and int(header["NEVENT"]) != n_events:
        problems.append(f"NEVENT: {header['NEVENT']} but {n_events} events")
    return problems


def _check_header(lines: list[str], problems: list[str]) -> tuple[dict[str, str], int | None]:
    """Check the documentation and global header; returns the header and the first event's line index."""
    header: dict[str, str] = {}
    content = [i for i, s in enumerate(lines) if not _skipped(s)]
    if not content or lines[content[0]].split()[0] != "DOCUMENTATION:":
        problems.append("the file does not start with a DOCUMENTATION: block")
    in_doc, words, first = False, 0, None
    for i in content:
        tokens = lines[i].split()
        if tokens[0] == "START_EVENT:":
            first = i
            break
        words += len(tokens)
        if tokens[0] == "DOCUMENTATION:":
            in_doc = True
            continue
        if tokens[0] == "DOCUMENTATION_END:":
            in_doc = False
            continue
        if in_doc:
            bad = [t for t in tokens if t in _RESERVED]
            if bad:
                problems.append(f"line {i + 1}: header key {bad[0]} inside the documentation block")
            continue
        key = tokens[0].rstrip(":")
        if key in header:
            problems.append(f"line {i + 1}: {tokens[0]} given twice")
        header[key] = " ".join(tokens[1:])
    if in_doc:
        problems.append("DOCUMENTATION: block without DOCUMENTATION_END:")
    if words > _MAX_HEADER_WORDS:
        problems.append(f"{words} header words before the first event (the reader gives up after {_MAX_HEADER_WORDS})")
    _check_header_values(header, problems)
    return header, first


def _check_header_values(header: dict[str, str], problems: list[str]) -> None:
    for key in ("SURVEY", "FILTERS", "RECUR_CLASS", "NEVENT"):
        if key not in header and not (key == "RECUR_CLASS" and "RECUR_TYPE" in header):
            problems.append(f"header key {key}: missing")
    recur = header.get("RECUR_CLASS", header.get("RECUR_TYPE"))
    if recur is not None and recur not in RECUR_CLASSES:
        problems.append(f"RECUR_CLASS: {recur!r} is none of {list(RECUR_CLASSES)}")
    filters = header.get("FILTERS", "")
    if filters and (not filters.isalpha() or len(set(filters)) != len(filters) or " " in filters):
        problems.append(f"FILTERS: {filters!r} must be single letters, each once")
    names = header.get("MODEL_PARNAMES", header.get("MODEL_PARAMETERS"))
    if names is not None:
        if len(names) > _MAX_PARNAMES_CHARS or " " in names or "#" in names:
            problems.append(
                f"MODEL_PARNAMES: {names!r} must be one comma-separated word of at most "
                f"{_MAX_PARNAMES_CHARS} characters without '#'"
            )
        if len(names.split(",")) > _MAX_PARNAMES:
            problems.append(f"MODEL_PARNAMES: more than {_MAX_PARNAMES} names")
    if "NEVENT" in header and not header["NEVENT"].isdigit():
        problems.append(f"NEVENT: {header['NEVENT']!r} is not a count")


def _check_events(
    lines: list[str], start: int, nfilt: int, names: list[str], periodic: bool, problems: list[str]
) -> int:
    """Check every event from line index ``start``; returns the number of events."""
    count = 0
    event: dict[str, Any] | None = None
    for i in range(start, len(lines)):
        if _skipped(lines[i]):
            continue
        tokens = lines[i].split()
        where = f"line {i + 1}"
        if tokens[0] == "START_EVENT:":
            if event is not None:
                problems.append(f"{where}: START_EVENT: before the END_EVENT: of event {event['id']}")
            event = {
                "id": tokens[1] if len(tokens) > 1 else "",
                "nrow": None,
                "parval": None,
                "rows": [],
                "line": i + 1,
            }
        elif event is None:
            problems.append(f"{where}: {tokens[0]} outside an event")
        elif tokens[0] == "NROW:" or tokens[0] == "NOBS:":
            event["nrow"] = int(tokens[1]) if len(tokens) > 1 and tokens[1].isdigit() else -1
        elif tokens[0] == "PARVAL:":
            event["parval"] = _check_parval(lines[i], names, where, problems)
        elif tokens[0] in ("S:", "T:"):
            event["rows"].append((tokens[0][0], _check_row(tokens, nfilt, where, problems), where))
        elif tokens[0] == "END_EVENT:":
            if (tokens[1] if len(tokens) > 1 else "") != event["id"]:
                problems.append(f"{where}: END_EVENT: {' '.join(tokens[1:])} closes event {event['id']}")
            _check_event(event, names, periodic, problems)
            count, event = count + 1, None
    if event is not None:
        problems.append(f"event {event['id']} (line {event['line']}) has no END_EVENT:")
    return count


def _check_parval(line: str, names: list[str], where: str, problems: list[str]) -> list[float] | None:
    if not line.startswith("PARVAL: "):
        problems.append(f"{where}: the reader reads PARVAL values from the 9th character; start the line 'PARVAL: '")
    values = line[8:].replace(",", " ").split()
    if len(values) != len(names):
        problems.append(f"{where}: {len(values)} PARVAL values for {len(names)} MODEL_PARNAMES")
    out = []
    for v in values:
        x = _float(v)
        if len(v) > _MAX_PARVAL_CHARS or not math.isfinite(x):
            problems.append(
                f"{where}: PARVAL value {v!r} must be a finite number of at most {_MAX_PARVAL_CHARS} characters"
            )
        out.append(x)
    return out


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _check_row(tokens: list[str], nfilt: int, where: str, problems: list[str]) -> list[float]:
    values = [_float(t) for t in tokens[1:]]
    if len(values) != nfilt + 1:
        problems.append(f"{where}: {len(values) - 1} magnitudes for {nfilt} FILTERS")
    if not all(math.isfinite(v) for v in values):
        problems.append(f"{where}: a day or magnitude is not a finite number")
    elif any(not MAG_RANGE[0] <= m <= _MAG_FAINT_ABORT for m in values[1:]):
        problems.append(f"{where}: a magnitude outside [{MAG_RANGE[0]:g}, {_MAG_FAINT_ABORT}] (the reader aborts)")
    return values


def _check_event(event: dict[str, Any], names: list[str], periodic: bool, problems: list[str]) -> None:
    ev, rows = f"event {event['id']}", event["rows"]
    if event["nrow"] != len(rows):
        problems.append(f"{ev}: NROW {event['nrow']} but {len(rows)} S:/T: rows")
    if event["parval"] is None and names:
        problems.append(f"{ev}: no PARVAL:")
    keys = "".join(r[0] for r in rows)
    if "ST" in keys:
        problems.append(f"{ev}: a T: row after an S: row (T: rows come first)")
    days = [r[1][0] for r in rows if r[1]]
    if any(b < a for a, b in zip(days, days[1:])):
        problems.append(f"{ev}: days decrease")
    search = [r[1] for r in rows if r[0] == "S"]
    if periodic:
        _check_periodic(ev, search, event["parval"], names, problems)


def _check_periodic(
    ev: str, search: list[list[float]], parval: list[float] | None, names: list[str], problems: list[str]
) -> None:
    if len(search) < 2:
        problems.append(f"{ev}: a periodic event needs at least 2 S: rows (one cycle)")
        return
    first, last = search[0], search[-1]
    if first[0] != 0.0:
        problems.append(f"{ev}: the first S: row is at day {first[0]}, not 0")
    if len(first) == len(last) and any(abs(a - b) > _PERIODIC_TOLERANCE for a, b in zip(first[1:], last[1:])):
        problems.append(f"{ev}: the last S: magnitudes differ from the first (a periodic event repeats them)")
    if parval is not None and "PERIOD" in names and len(parval) == len(names):
        period = parval[names.index("PERIOD")]
        if last[0] - first[0] != period:
            problems.append(f"{ev}: the S: rows span {last[0] - first[0]} days, PERIOD is {period}")
