"""LSST cadence from an Operations Simulator (OpSim) output database (SQLite).

OpSim v4 and later (the ``baseline_v*.db`` files of the LSST survey-strategy simulations) write
one row per visit to the table ``observations``; older v4-era outputs call it
``SummaryAllProps``. The columns read are ``observationStartMJD`` (MJD), ``filter`` (u g r i z
y), ``fiveSigmaDepth`` (the visit's 5-sigma point-source depth, mag) and ``fieldRA``,
``fieldDec`` (the pointing, degrees). The pre-v4 ``Summary`` table (``expMJD``, radians) is not
read.

A visit covers a star when the pointing lies within ``radius`` (default 1.75 deg, the radius of
the LSST field of view) of it. With ``ra`` and ``dec`` every draw returns that position's visits.
Without them each draw picks a new star position uniformly over the area the visits cover
(the footprint), so that densely observed fields (deep drilling) are drawn only as often as
their area deserves: a position is proposed uniformly inside a random covered cell of an
equal-area Fibonacci lattice of the sphere (cell size about ``radius``) and kept when it lies
in that cell (equal-area rejection) and some visit covers it.

The database is read once; visit pointings are indexed as unit vectors in a k-d tree, so a
draw costs a few tree queries even for the ~2 million visits of a ten-year simulation. Errors
use each visit's ``fiveSigmaDepth`` with the LSST model (Ivezic et al. 2019; gamma 0.038 u,
0.039 grizy; sigma_sys 0.005 mag).
"""

from __future__ import annotations

import math
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from varsynth.cadences.base import Cadence, Epochs, finite_option
from varsynth.cadences.errors import SIGMA_SYS, error_model_for

__all__ = ["COLUMNS", "TABLES", "OpSimCadence", "OpSimVisits", "read_opsim", "unit_vectors"]

#: Visit tables of OpSim outputs, in the order they are looked for.
TABLES: tuple[str, ...] = ("observations", "SummaryAllProps")
#: Columns read from the visit table.
COLUMNS: tuple[str, ...] = ("observationStartMJD", "filter", "fiveSigmaDepth", "fieldRA", "fieldDec")
LSST_BANDS: tuple[str, ...] = ("u", "g", "r", "i", "z", "y")
MAX_LATTICE = 2_000_000
BATCH = 64


@dataclass(frozen=True)
class OpSimVisits:
    """The visits of an OpSim database, sorted by time: MJD, band, 5-sigma depth (mag), RA and Dec (deg)."""

    mjd: np.ndarray
    band: np.ndarray
    m5: np.ndarray
    ra: np.ndarray
    dec: np.ndarray


def unit_vectors(ra: np.ndarray | float, dec: np.ndarray | float) -> np.ndarray:
    """Cartesian unit vectors (..., 3) of sky positions ``ra``, ``dec`` in degrees."""
    ra_r, dec_r = np.radians(ra), np.radians(dec)
    return np.stack([np.cos(dec_r) * np.cos(ra_r), np.cos(dec_r) * np.sin(ra_r), np.sin(dec_r)], axis=-1)


def _chord(angle_deg: float) -> float:
    """Straight-line distance between unit vectors ``angle_deg`` apart."""
    return 2.0 * math.sin(math.radians(angle_deg) / 2.0)


def read_opsim(path: str | Path) -> OpSimVisits:
    """Read the visits of an OpSim SQLite database (only :data:`COLUMNS`), sorted by time.

    The rows stream straight into one float array (about 3 s for two million visits); a null
    becomes infinity in SQL (``COALESCE(x, 1e999)``) so that it is caught as non-finite.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: not an SQLite database, no visit table (the message lists the tables), a
            missing column (the message lists the columns present), no visits, null,
            non-numeric or non-finite values, filters other than ugrizy.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"OpSim database {path} does not exist")
    numeric = [c for c in COLUMNS if c != "filter"]
    band_index = "CASE filter " + " ".join(f"WHEN '{b}' THEN {i}" for i, b in enumerate(LSST_BANDS)) + " ELSE -1 END"
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as con:
            tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            table = next((t for t in TABLES if t in tables), None)
            if table is None:
                raise ValueError(f"OpSim database {path}: no visit table {list(TABLES)}; tables present: {tables}")
            present = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
            missing = [c for c in COLUMNS if c not in present]
            if missing:
                raise ValueError(f"OpSim database {path}: table {table!r} lacks {missing}; columns present: {present}")
            (n,) = con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()
            if n == 0:
                raise ValueError(f"OpSim database {path}: table {table!r} has no visits")
            select = ", ".join([f"COALESCE({c}, 1e999)" for c in numeric] + [band_index])
            rows = con.execute(f'SELECT {select} FROM "{table}"')
            try:
                data = np.fromiter(chain.from_iterable(rows), np.float64, n * (len(numeric) + 1)).reshape(n, -1)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"OpSim database {path}: a column of {numeric} holds a non-numeric value") from exc
            if np.any(data[:, -1] < 0):
                found = sorted(str(r[0]) for r in con.execute(f'SELECT DISTINCT filter FROM "{table}"'))
                raise ValueError(f"OpSim database {path}: filters {found} include some not in {list(LSST_BANDS)}")
    except sqlite3.DatabaseError as exc:
        raise ValueError(f"OpSim database {path} could not be read as SQLite: {exc}") from exc
    for k, c in enumerate(numeric):
        bad = int((~np.isfinite(data[:, k])).sum())
        if bad:
            raise ValueError(f"OpSim database {path}: column {c!r} has {bad} null or non-finite value(s)")
    data = data[np.argsort(data[:, 0], kind="stable")]
    mjd, m5, ra, dec, band = data.T
    return OpSimVisits(mjd.copy(), np.asarray(LSST_BANDS)[band.astype(np.int64)], m5.copy(), ra.copy(), dec.copy())


def _fibonacci_sphere(n: int) -> np.ndarray:
    """``n`` nearly equal-area points on the unit sphere (the Fibonacci lattice), shape (n, 3)."""
    i = np.arange(n) + 0.5
    z = 1.0 - 2.0 * i / n
    phi = math.pi * (1.0 + math.sqrt(5.0)) * i
    r = np.sqrt(1.0 - z * z)
    return np.column_stack([r * np.cos(phi), r * np.sin(phi), z])


def _cap_points(rng: np.random.Generator, centre: np.ndarray, radius: float) -> np.ndarray:
    """One point uniform in area within ``radius`` (radians) of each unit vector of ``centre`` (m, 3)."""
    m: int = centre.shape[0]
    cos_t = 1.0 - rng.random(m) * (1.0 - math.cos(radius))
    sin_t = np.sqrt(np.clip(1.0 - cos_t * cos_t, 0.0, None))
    phi = rng.uniform(0.0, 2.0 * math.pi, m)
    helper = np.where(np.abs(centre[:, 2:3]) < 0.9, [[0.0, 0.0, 1.0]], [[1.0, 0.0, 0.0]])
    e1 = np.cross(centre, helper)
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    e2 = np.cross(centre, e1)
    return cos_t[:, None] * centre + sin_t[:, None] * (np.cos(phi)[:, None] * e1 + np.sin(phi)[:, None] * e2)


class OpSimCadence(Cadence):
    """Visits of an OpSim database covering a fixed or a random sky position; see the module docstring.

    Arguments:
        path: OpSim SQLite database.
        ra, dec: sky position in degrees (both or neither); without them every draw is a new
            random position in the footprint.
        radius: field-of-view radius in degrees, in (0, 10].
        sigma_sys: systematic error floor (mag), >= 0.
    """

    name = "opsim"

    def __init__(
        self,
        path: str | Path,
        *,
        ra: float | None = None,
        dec: float | None = None,
        radius: float = 1.75,
        sigma_sys: float = SIGMA_SYS,
    ) -> None:
        if (ra is None) != (dec is None):
            raise ValueError("options ra and dec go together: give both (degrees) or neither (random positions)")
        if ra is not None:
            ra, dec = finite_option("ra", ra), finite_option("dec", dec, -90.0, 90.0)
        self.radius = finite_option("radius", radius, 0.0, 10.0)
        if self.radius <= 0:
            raise ValueError(f"option radius must be > 0 degrees; got {radius!r}")
        self.error_model = error_model_for("lsst", finite_option("sigma_sys", sigma_sys, 0.0))
        self.path, self.survey = Path(path), "lsst"
        self.visits = read_opsim(path)
        present = set(np.unique(self.visits.band))
        self.bands = tuple(b for b in LSST_BANDS if b in present)
        self._chord = _chord(self.radius)
        self._tree = cKDTree(unit_vectors(self.visits.ra, self.visits.dec), balanced_tree=False, compact_nodes=False)
        self._fixed: Epochs | None = None
        if ra is not None:
            assert dec is not None  # ra and dec come together (refused above otherwise)
            self._fixed = self.epochs_at(ra, dec)
            if len(self._fixed) == 0:
                nearest, _ = self._tree.query(unit_vectors(ra, dec))
                sep = math.degrees(2.0 * math.asin(min(nearest / 2.0, 1.0)))
                raise ValueError(
                    f"OpSim database {self.path}: no visit within radius {self.radius} deg of ra={ra}, dec={dec} "
                    f"(nearest pointing {sep:.2f} deg away)"
                )
            for array in (self._fixed.time, self._fixed.band, self._fixed.m5):
                array.flags.writeable = False
        else:
            self._init_lattice()

    def _init_lattice(self) -> None:
        """Equal-area lattice cells (about ``radius`` across) that may hold covered positions."""
        n = min(MAX_LATTICE, max(12, int(4.0 * math.pi / math.radians(self.radius) ** 2)))
        self._cell = math.sqrt(4.0 * math.pi / n)  # radians; exceeds the lattice's covering radius (~0.77 x)
        self._lattice = _fibonacci_sphere(n)
        self._lattice_tree = cKDTree(self._lattice)
        reach = _chord(self.radius + math.degrees(self._cell))
        distance, _ = self._tree.query(self._lattice, distance_upper_bound=reach)
        self._covered = np.flatnonzero(np.isfinite(distance))

    def epochs_at(self, ra: float, dec: float) -> Epochs:
        """The visits covering sky position ``ra``, ``dec`` (degrees), sorted by time."""
        return self._epochs_of(unit_vectors(ra, dec))

    def _epochs_of(self, xyz: np.ndarray) -> Epochs:
        idx = np.sort(np.asarray(self._tree.query_ball_point(xyz, self._chord), dtype=np.int64))
        return Epochs(self.visits.mjd[idx], self.visits.band[idx], self.visits.m5[idx])

    def draw(self, rng: np.random.Generator) -> Epochs:
        if self._fixed is not None:
            return self._fixed
        for _ in range(10_000):
            cells = self._covered[rng.integers(self._covered.size, size=BATCH)]
            points = _cap_points(rng, self._lattice[cells], self._cell)
            _, nearest = self._lattice_tree.query(points)
            points = points[nearest == cells]
            distance, _ = self._tree.query(points, distance_upper_bound=self._chord)
            hit = np.flatnonzero(np.isfinite(distance))
            if hit.size:
                return self._epochs_of(points[hit[0]])
        raise RuntimeError(f"OpSim database {self.path}: no covered position found (footprint too sparse)")
