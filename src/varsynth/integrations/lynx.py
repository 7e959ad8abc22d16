"""varsynth periodic variables as a LightCurveLynx model (``pip install 'varsynth[lynx]'``).

`LightCurveLynx <https://github.com/lincc-frameworks/lightcurvelynx>`_ simulates survey light
curves: it samples each object's parameters from a graph of parameter nodes, finds the visits of
an observation table (e.g. an LSST OpSim) that cover the object's sky position, asks the object's
model for its noise-free band flux at those times and filters, and adds the survey's noise from
the table (zero point, sky, seeing, exposure). :class:`VarsynthVariableStar` is such a model
(a LightCurveLynx ``BandfluxModel``): its band fluxes are varsynth light curves.

Per object, its LightCurveLynx parameters are the physics (``period`` days, ``teff`` K,
``abs_mag`` absolute Gaia G mag), the sky position (``ra``, ``dec`` deg), ``distance`` (pc),
``av`` (V-band extinction, mag), ``t0`` (MJD of phase 0: maximum light, primary minimum for
eclipsing and ellipsoidal binaries) and ``star_seed`` (the integer seed of varsynth's draws for
the star: its training neighbour and flow base point, i.e. its shape and amplitude); each is a
number or a LightCurveLynx parameter node. :class:`VarsynthPhysics` is a node drawing (Teff,
M_G, period) jointly from the class's training stars, as ``varsynth generate`` does.

The flux of an object at times ``t`` in filter ``b`` is varsynth's noiseless magnitude
(:func:`varsynth.generation.iter_generate` with ``noise=False``, the object's physics, distance
modulus ``5 log10(distance / 10 pc)``, extinction and epoch ``t0``, seed ``star_seed``) turned
into nJy in the AB system, ``f = 10^((31.4 - m) / 2.5)`` (LightCurveLynx's ``mag2flux``). The
magnitudes are noiseless because LightCurveLynx adds the survey's noise itself; varsynth's own
error models and noise are not used. Every filter of an object comes from one draw (the engine's
draws before the bands do not depend on them), so a star's bands belong together whichever
filters and times are asked for, and asking again gives the same fluxes.

Filters are bands of varsynth's ``survey`` (default ``lsst``: u g r i z y); a band outside the
model's trained wavelength range (LSST y for the default model) is refused, naming it, unless
``allow_extrapolation``. :func:`lsst_passbands` builds the LightCurveLynx ``PassbandGroup`` a
``SurveyInfo`` needs without downloading the LSST throughputs (this model never integrates an
SED, so only the filter names matter).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

try:
    from lightcurvelynx.astro_utils.mag_flux import mag2flux
    from lightcurvelynx.astro_utils.passbands import Passband, PassbandGroup
    from lightcurvelynx.base_models import FunctionNode
    from lightcurvelynx.math_nodes.np_random import NumpyRandomFunc
    from lightcurvelynx.models.physical_model import BandfluxModel
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(f"varsynth.integrations.lynx needs LightCurveLynx: pip install 'varsynth[lynx]' ({exc})") from exc

from varsynth.bands import BANDS
from varsynth.cadences.base import Cadence, Epochs, check_band
from varsynth.config import ConfigError
from varsynth.generation.config import GenerationConfig
from varsynth.generation.request import StarRequest

__all__ = ["REFERENCE_MJD", "VarsynthPhysics", "VarsynthVariableStar", "lsst_passbands", "distance_modulus"]

#: MJD near which the default ``t0`` is drawn: uniform in [REFERENCE_MJD, REFERENCE_MJD + period).
REFERENCE_MJD = 60000.0
#: Largest ``star_seed`` drawn by default (exclusive).
_SEED_HIGH = 2**31 - 1


def distance_modulus(distance_pc: float) -> float:
    """Distance modulus (mag) of a distance in pc, ``5 log10(distance / 10 pc)``; refuses a
    distance that is not a finite number > 0."""
    if distance_pc is None or not (
        isinstance(distance_pc, (int, float, np.number)) and math.isfinite(distance_pc) and distance_pc > 0
    ):
        raise ConfigError(f"distance must be a finite number > 0 pc, got {distance_pc!r}")
    return 5.0 * math.log10(float(distance_pc)) - 5.0


def lsst_passbands(survey: str = "lsst", width: float = 0.1) -> PassbandGroup:
    """A LightCurveLynx ``PassbandGroup`` named ``LSST_<band>`` (``<SURVEY>_<band>``) for every
    band of varsynth's ``survey``: top hats ``width`` (fraction of the effective wavelength) wide
    around varsynth's effective wavelengths (:data:`varsynth.bands.BANDS`).

    :class:`VarsynthVariableStar` computes band fluxes directly, so the transmission curves are
    never used; the group only tells a ``SurveyInfo`` which filters exist, without the download
    that ``PassbandGroup.from_preset("LSST")`` makes (with it the simulated fluxes are the same).
    """
    names = [b for s, b in BANDS if s == survey]
    if not names:
        raise ConfigError(f"survey {survey!r} is unknown; valid: {sorted({s for s, _ in BANDS})}")
    if not (isinstance(width, (int, float)) and 0 < width < 1):
        raise ConfigError(f"width must be in (0, 1) (a fraction of the effective wavelength), got {width!r}")
    bands = []
    for name in names:
        centre = BANDS[(survey, name)].wave_eff * 10.0  # nm -> Angstrom
        lo, hi = centre * (1 - width / 2), centre * (1 + width / 2)
        table = np.array([[lo - 1.0, 0.0], [lo, 1.0], [hi, 1.0], [hi + 1.0, 0.0]])
        bands.append(Passband(table, survey.upper(), name, delta_wave=1.0, trim_quantile=None, units="A"))
    return PassbandGroup(bands)


class _GivenEpochs(Cadence):
    """The times (MJD) and bands LightCurveLynx asks for, as a cadence of one star (no depths)."""

    name = "lightcurvelynx"
    error_model = None

    def __init__(self, times: np.ndarray, bands: np.ndarray, survey: str) -> None:
        for b in np.unique(bands).tolist():
            try:
                check_band(survey, b)
            except ValueError as exc:
                raise ConfigError(f"filter {b!r}: {exc}") from None
        self.survey = survey
        self.bands = tuple(b for s, b in BANDS if s == survey)
        self.epochs = Epochs.from_unsorted(times, bands)

    def draw(self, rng: np.random.Generator) -> Epochs:
        return self.epochs


def _physics(value: Any) -> float | None:
    """A parameter value as a float, ``None`` for a missing one (None or NaN: varsynth draws it)."""
    if value is None:
        return None
    x = float(value)
    return None if math.isnan(x) else x


class VarsynthVariableStar(BandfluxModel):
    """A periodic variable star of one varsynth class, as a LightCurveLynx band-flux model.

    Parameterized values (numbers or LightCurveLynx parameter nodes): ``period`` (days),
    ``teff`` (K), ``abs_mag`` (absolute Gaia G, mag), ``av`` (A_V, mag), ``star_seed`` (integer),
    and LightCurveLynx's ``ra``, ``dec`` (deg), ``distance`` (pc, required) and ``t0`` (MJD of
    phase 0). ``teff`` or ``abs_mag`` left ``None`` are drawn by varsynth for each star (from
    ``star_seed``, near its given physics) but not recorded in LightCurveLynx's parameters; use
    :class:`VarsynthPhysics` to record them. Default ``t0``: uniform in [:data:`REFERENCE_MJD`,
    :data:`REFERENCE_MJD` + period); default ``star_seed``: uniform integers, both drawn by
    LightCurveLynx's random generator (a simulation's ``rng`` reproduces them).

    Arguments:
        vclass: varsynth class (e.g. ``RRLYR``; :data:`varsynth.taxonomy.CLASSES`).
        subtype: subtype (e.g. ``RRab``), or ``None``.
        model: ``default`` (the embedded model), a bundle or run folder, or a loaded model.
        survey: photometric system of the filters (:data:`varsynth.bands.BANDS`), default ``lsst``.
        allow_extrapolation: generate physics or filters outside the model's training range
            instead of refusing them.
        **kwargs: LightCurveLynx parameters (``ra``, ``dec``, ``distance``, ``t0``,
            ``node_label``, ...).

    Raises:
        ConfigError: unknown class or subtype, or no ``distance``.
    """

    def __init__(
        self,
        vclass: str,
        *,
        subtype: str | None = None,
        period: Any = None,
        teff: Any = None,
        abs_mag: Any = None,
        av: Any = 0.0,
        star_seed: Any = None,
        t0: Any = None,
        model: Any = "default",
        survey: str = "lsst",
        allow_extrapolation: bool = False,
        **kwargs: Any,
    ) -> None:
        from varsynth.generation.model import GenerativeModel, load_model

        StarRequest(vclass, subtype)  # refuses an unknown class before the model loads
        if period is None:
            raise ConfigError(
                "period is required (days): a number or a LightCurveLynx parameter node, "
                "e.g. VarsynthPhysics(...).period"
            )
        if not any(s == survey for s, _ in BANDS):
            raise ConfigError(f"survey {survey!r} is unknown; valid: {sorted({s for s, _ in BANDS})}")
        self.generator = model if isinstance(model, GenerativeModel) else load_model(model)
        ranges = self.generator.catalog.ranges(vclass, subtype)  # refuses a class or subtype the model lacks
        #: Whether the class's training stars have M_G. If not (T2CEP, ACEP and ELL of bundles built
        #: before their period relations; every class of the embedded model has M_G), a given M_G
        #: sets the brightness only (as ``mean_mag``) and the model is not conditioned on it, as
        #: ``varsynth generate`` does with the M_G it draws for them from the relation.
        self.abs_mag_trained = math.isfinite(ranges["abs_mag"][0])
        self.vclass, self.subtype, self.survey = vclass, subtype, survey
        self.allow_extrapolation = bool(allow_extrapolation)
        if t0 is None:
            t0 = FunctionNode(_epoch_in_first_cycle, period=period, fraction=NumpyRandomFunc("uniform"))
        super().__init__(t0=t0, **kwargs)
        if not self.has_valid_param("distance"):
            raise ConfigError("distance (pc) is required: a number or a LightCurveLynx parameter node")
        self.add_parameter("period", period, description="The period of the star, in days.")
        self.add_parameter("teff", teff, description="Effective temperature, in K (None: drawn by varsynth).")
        self.add_parameter("abs_mag", abs_mag, description="Absolute Gaia G magnitude, in mag (None: drawn).")
        self.add_parameter("av", av, description="V-band extinction A_V, in mag.")
        if star_seed is None:
            star_seed = NumpyRandomFunc("integers", low=0, high=_SEED_HIGH)
        self.add_parameter(
            "star_seed", star_seed, description="Seed of varsynth's draws for this star.", allow_gradient=False
        )
        self._pending: tuple[Any, dict[str, tuple[np.ndarray, np.ndarray]]] | None = None

    def request(self, state: Any) -> StarRequest:
        """The varsynth request of the star in a one-sample graph ``state`` (checks every value,
        naming a bad one)."""
        p = self.get_local_params(state)
        abs_mag, mu = _physics(p["abs_mag"]), distance_modulus(p["distance"])
        if abs_mag is not None and not self.abs_mag_trained:  # brightness only: mean G = M_G + mu
            return StarRequest(
                self.vclass,
                self.subtype,
                teff=_physics(p["teff"]),
                period=_physics(p["period"]),
                mean_mag=abs_mag + mu,
                extinction=float(p["av"]),
                epoch=_physics(p["t0"]),
            )
        return StarRequest(
            self.vclass,
            self.subtype,
            teff=_physics(p["teff"]),
            abs_mag=abs_mag,
            period=_physics(p["period"]),
            distance_modulus=mu,
            extinction=float(p["av"]),
            epoch=_physics(p["t0"]),
        )

    def magnitudes(self, times: np.ndarray, filters: np.ndarray, state: Any) -> np.ndarray:
        """varsynth's noiseless apparent AB magnitudes (mag) of the star in ``state`` at ``times``
        (MJD) in ``filters`` (band names), in the order given."""
        from varsynth.generation.engine import generate_chunks

        times = np.asarray(times, dtype=np.float64)
        filters = np.asarray(filters, dtype=str)
        if times.size == 0:
            return np.zeros(0)
        config = GenerationConfig(
            self.request(state),
            _GivenEpochs(times, filters, self.survey),
            n=1,
            seed=int(self.get_param(state, "star_seed")),
            bands=tuple(np.unique(filters).tolist()),
            allow_extrapolation=self.allow_extrapolation,
            noise=False,
            id_prefix="",
        )
        tables = list(generate_chunks(config, self.generator))
        mag = np.concatenate([t["mag"].to_numpy() for t in tables])
        got_time = np.concatenate([t["time"].to_numpy() for t in tables])
        order = np.argsort(times, kind="stable")  # the cadence's (and so the output's) order
        if mag.size != times.size or not np.array_equal(got_time, times[order]):
            raise RuntimeError(f"varsynth returned {mag.size} epochs for the {times.size} asked for")
        out = np.empty(times.size)
        out[order] = mag
        return out

    def compute_bandflux(self, times: np.ndarray, filter: str, state: Any) -> np.ndarray:
        """Noise-free band flux (nJy) of the star in ``state`` at ``times`` (MJD) in ``filter``."""
        times = np.asarray(times, dtype=np.float64)
        if self._pending is not None and self._pending[0] is state and filter in self._pending[1]:
            known_time, known_flux = self._pending[1][filter]
            idx = np.clip(np.searchsorted(known_time, times), 0, max(known_time.size - 1, 0))
            if known_time.size and np.array_equal(known_time[idx], times):
                return known_flux[idx]
        return mag2flux(self.magnitudes(times, np.full(times.size, filter), state))

    def _evaluate_bandfluxes_single(
        self, passband_group: Any, times: np.ndarray, filters: np.ndarray, state: Any
    ) -> np.ndarray:
        """All filters of the star in one varsynth draw (one flow sample instead of one per
        filter), then LightCurveLynx's per-filter evaluation, effects included, reads them."""
        times = np.asarray(times, dtype=np.float64)
        filters = np.asarray(filters, dtype=str)
        flux = mag2flux(self.magnitudes(times, filters, state))
        by_filter = {}
        for b in np.unique(filters).tolist():
            sel = filters == b
            order = np.argsort(times[sel], kind="stable")
            by_filter[b] = (times[sel][order], flux[sel][order])
        self._pending = (state, by_filter)
        try:
            return super()._evaluate_bandfluxes_single(passband_group, times, filters, state)
        finally:
            self._pending = None


def _epoch_in_first_cycle(period: Any, fraction: Any) -> Any:
    """MJD of phase 0: :data:`REFERENCE_MJD` plus ``fraction`` (uniform in [0, 1)) of the period."""
    return REFERENCE_MJD + np.asarray(fraction, dtype=float) * np.asarray(period, dtype=float)


class VarsynthPhysics(FunctionNode):
    """A LightCurveLynx node drawing each star's (Teff K, M_G mag, period days) jointly from the
    class's training stars, as ``varsynth generate`` does for parameters it is not given
    (:meth:`varsynth.latent.catalog.PhysicsCatalog.draw`, M_G of T2CEP, ACEP and ELL from the
    class's period relation), each clipped to the class's training range (the central 99% of
    its stars' values) so that the model accepts it. Outputs ``teff``, ``abs_mag``, ``period``
    (NaN where the class has no such value: the model then leaves it to varsynth).

    Example::

        physics = VarsynthPhysics("RRLYR", subtype="RRab")
        star = VarsynthVariableStar("RRLYR", subtype="RRab", teff=physics.teff,
                                    abs_mag=physics.abs_mag, period=physics.period, distance=8000.0)
    """

    def __init__(
        self, vclass: str, *, subtype: str | None = None, model: Any = "default", seed: int | None = None, **kwargs: Any
    ) -> None:
        from varsynth.generation.model import GenerativeModel, load_model

        StarRequest(vclass, subtype)
        self.generator = model if isinstance(model, GenerativeModel) else load_model(model)
        self.generator.catalog.rows(vclass, subtype)
        self.vclass, self.subtype = vclass, subtype
        self._rng = np.random.default_rng(seed)
        super().__init__(None, outputs=["teff", "abs_mag", "period"], **kwargs)

    def draw(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``n`` draws of Teff (K), M_G (mag) and period (days)."""
        from varsynth.generation.abs_mag import fill_abs_mag
        from varsynth.latent.catalog import PHYS_NAMES

        catalog = self.generator.catalog
        phys, _ = catalog.draw(self.vclass, self.subtype, np.full(3, np.nan), n, rng)
        phys, _ = fill_abs_mag(catalog, self.vclass, self.subtype, phys, False, rng)
        ranges = catalog.ranges(self.vclass, self.subtype)
        for j, name in enumerate(PHYS_NAMES):
            lo, hi = ranges[name]
            if math.isfinite(lo):
                phys[:, j] = np.clip(phys[:, j], lo, hi)
        return 10 ** phys[:, 0], phys[:, 1], 10 ** phys[:, 2]

    def compute(self, graph_state: Any, rng_info: np.random.Generator | None = None, **kwargs: Any) -> Any:
        rng = rng_info if rng_info is not None else self._rng
        teff, abs_mag, period = self.draw(graph_state.num_samples, rng)
        results: tuple[float, float, float] | tuple[np.ndarray, np.ndarray, np.ndarray]
        if graph_state.num_samples == 1:
            results = (float(teff[0]), float(abs_mag[0]), float(period[0]))
        else:
            results = (teff, abs_mag, period)
        self._save_results(results, graph_state)
        return results
