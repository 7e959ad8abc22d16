"""Dataclass configurations read from YAML, with strict keys and range checks.

Defaults live here, in one place. Unknown keys and out-of-range values are refused with a message
naming the key and its valid range, so a typo in a YAML file never silently does nothing. The
machinery (:class:`ConfigError`, the range checks, dicts to dataclasses) lives in
:mod:`varsynth.strictconfig` and is re-exported here; the survey names are those of the reader
registry (:data:`varsynth.surveys.registry.READERS`), the one list of surveys.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from varsynth.strictconfig import ConfigError, _check, _from_dict, to_plain
from varsynth.surveys.registry import READERS
from varsynth.taxonomy import CLASSES

__all__ = [
    "ConfigError",
    "SURVEYS",
    "SurveyConfig",
    "PhysicsConfig",
    "CleanConfig",
    "VARSYNTH_MIN_SNR_BY_CLASS",
    "AugmentConfig",
    "SplitConfig",
    "CrossmatchConfig",
    "CatalogLabelsConfig",
    "CatalogAmplitudesConfig",
    "DataConfig",
    "load_data_config",
    "to_plain",
]

#: Survey readers known to the dataset builder, in build order (the keys of the reader registry).
SURVEYS: tuple[str, ...] = tuple(READERS)


@dataclass(frozen=True)
class SurveyConfig:
    """Which survey readers run and on which passbands (``None``: every band the survey has)."""

    enabled: bool = True
    bands: tuple[str, ...] | None = None


def _default_surveys() -> dict[str, SurveyConfig]:
    return {name: SurveyConfig() for name in SURVEYS}


@dataclass(frozen=True)
class PhysicsConfig:
    """Which source wins when several give a physical parameter (see :mod:`varsynth.physics`).

    The default prefers the LMC distance modulus over Gaia DR2 Bailer-Jones distances for the
    absolute magnitude, because the latter are prior-dominated at the LMC's 50 kpc;
    ``abs_mag_priority: [gaia, derived]`` reproduces the paper's choice.
    """

    abs_mag_priority: tuple[str, ...] = ("derived", "gaia")
    teff_priority: tuple[str, ...] = ("gaia", "derived")

    def __post_init__(self) -> None:
        for key in ("abs_mag_priority", "teff_priority"):
            value = getattr(self, key)
            _check(
                set(value) <= {"gaia", "derived"} and len(value) > 0,
                f"physics.{key}",
                "a non-empty list drawn from ['gaia', 'derived']",
                value,
            )


#: The per-class S/N cuts of varsynth's datasets (``configs/data/default.yaml``), which inference
#: applies to an observed light curve too: ellipsoidal variables vary by 0.05-0.2 mag, under five
#: times CRTS's per-point errors, while their ~340 points still detect the period; 3.5 stays above
#: the S/N of Gaussian noise alone (its 5th-95th percentile range is 3.29 sigma).
VARSYNTH_MIN_SNR_BY_CLASS: dict[str, float] = {"ELL": 3.5}


@dataclass(frozen=True)
class CleanConfig:
    """Cleaning as in the paper's section 2.1 (S/N cut, sigma clipping, subtype filter).

    Attributes:
        min_snr: minimum amplitude (5th-95th percentile range) over mean error (paper: 5).
        min_snr_by_class: ``{class: threshold}`` replacing ``min_snr`` for those classes (paper
            and dataclass default: none; varsynth's datasets:
            :data:`VARSYNTH_MIN_SNR_BY_CLASS`, docs/data.md).
        clip_sigma: clipping threshold in standard deviations (paper: 3).
        clip_iters: clipping iterations on magnitude and error (paper: 3).
        min_points: fewest points a light curve may keep after clipping.
        drop_subtypes: shell patterns of subtypes to drop (multi-mode, semi-regular, modulated).
        require_period_ok: drop stars whose period search failed its success criterion.
        halve_two_wave_r21: ``null`` (the paper): periods as read. A number ``r``: a pulsating
            star whose best-measured band, folded at its period, has R21 = A2 / A1 > ``r`` and a
            periodogram more than twice as high at half the period (two waves per period) gets
            half its period before physics is attached (:mod:`varsynth.data.period_convention`;
            counted in the data card).
        epoch_fit_order: where phase 0 falls (the paper does not say). 0: at the median phase of
            the brightest (binaries: faintest) of 20 phase bins (varsynth's datasets before
            2026-12-05). An order ``k`` (default 8): then refined to the extremum of the light
            curve's weighted Fourier series of order up to ``k`` within one bin of it
            (:func:`varsynth.data.preprocess.epoch_of_reference`). Inference prepares observed
            light curves with the default.
        refine_period_drift: ``null`` (the paper): periods as read. A number ``d`` (cycles): each
            star's period is refined on its best band by a local search over phase drifts of up
            to ``d`` cycles across its time span, kept where the fit improves significantly
            (:mod:`varsynth.data.period_refine`; counted in the data card).
    """

    min_snr: float = 5.0
    min_snr_by_class: dict[str, float] = field(default_factory=dict)
    clip_sigma: float = 3.0
    clip_iters: int = 3
    min_points: int = 20
    drop_subtypes: tuple[str, ...] = ("*/*", "RRd", "Blazhko", "SRV", "OSARG", "RS_CVn")
    require_period_ok: bool = True
    halve_two_wave_r21: float | None = None
    epoch_fit_order: int = 8
    refine_period_drift: float | None = None

    def __post_init__(self) -> None:
        _check(
            self.refine_period_drift is None or 0 < self.refine_period_drift <= 0.5,
            "clean.refine_period_drift",
            "null or in (0, 0.5] cycles",
            self.refine_period_drift,
        )
        _check(0 <= self.epoch_fit_order <= 32, "clean.epoch_fit_order", "an integer in [0, 32]", self.epoch_fit_order)
        _check(
            self.halve_two_wave_r21 is None or self.halve_two_wave_r21 > 0,
            "clean.halve_two_wave_r21",
            "null or > 0",
            self.halve_two_wave_r21,
        )
        _check(self.min_snr >= 0, "clean.min_snr", ">= 0", self.min_snr)
        _check(isinstance(self.min_snr_by_class, dict), "clean.min_snr_by_class", "a mapping", self.min_snr_by_class)
        unknown = sorted(set(self.min_snr_by_class) - set(CLASSES))
        _check(not unknown, "clean.min_snr_by_class", f"keyed by classes of {list(CLASSES)}", unknown)
        for name, value in self.min_snr_by_class.items():
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
            _check(ok, f"clean.min_snr_by_class.{name}", ">= 0", value)
        _check(self.clip_sigma > 0, "clean.clip_sigma", "> 0", self.clip_sigma)
        _check(self.clip_iters >= 0, "clean.clip_iters", ">= 0", self.clip_iters)
        _check(self.min_points >= 3, "clean.min_points", ">= 3", self.min_points)

    def snr_threshold(self, vclass: str) -> float:
        """The S/N cut of class ``vclass`` (its entry in ``min_snr_by_class``, else ``min_snr``)."""
        return float(self.min_snr_by_class.get(vclass, self.min_snr))


@dataclass(frozen=True)
class AugmentConfig:
    """Augmentation as in the paper's section 2.2, balancing classes to target counts.

    Targets count light curves of one class over the training and validation splits together;
    each split receives its share in proportion to its real light curves. Classes with more than
    ``large_class_threshold`` real light curves aim at ``target_large``, the others at
    ``target_small`` (paper: 2000, 10000, 5000). A class above its target is reduced, keeping
    stars with physical parameters first (the paper's treatment of ECL).
    """

    enabled: bool = True
    large_class_threshold: int = 2000
    target_small: int = 5000
    target_large: int = 10000

    def __post_init__(self) -> None:
        for key in ("large_class_threshold", "target_small", "target_large"):
            _check(getattr(self, key) >= 0, f"augment.{key}", ">= 0", getattr(self, key))


@dataclass(frozen=True)
class SplitConfig:
    """Train / validation / test fractions of the stars, stratified by class."""

    train: float = 0.6
    val: float = 0.2
    test: float = 0.2

    def __post_init__(self) -> None:
        for key in ("train", "val", "test"):
            _check(0 < getattr(self, key) < 1, f"split.{key}", "in (0, 1)", getattr(self, key))
        total = self.train + self.val + self.test
        _check(abs(total - 1) < 1e-9, "split.train + split.val + split.test", "1", total)


@dataclass(frozen=True)
class CatalogLabelsConfig:
    """Labels from the OGLE-III catalog for stars of other surveys that are OGLE-III stars
    (``data.catalog_labels``; :mod:`varsynth.data.catalog_labels`).

    A light curve whose star lies within ``radius_arcsec`` of an OGLE-III catalog star with the
    same period (relative ``period_tolerance``: long-period variables' periods from a few years of
    data differ by up to ~10% between surveys, docs/data.md) takes OGLE-III's class and subtype.
    ``enabled: false`` (the default, and every dataset built before 2026-12-06) keeps each
    survey's own labels.
    """

    enabled: bool = False
    radius_arcsec: float = 3.0
    period_tolerance: float = 0.1

    def __post_init__(self) -> None:
        _check(0 < self.radius_arcsec <= 10, "catalog_labels.radius_arcsec", "in (0, 10]", self.radius_arcsec)
        _check(
            0 < self.period_tolerance <= 0.2,
            "catalog_labels.period_tolerance",
            "in (0, 0.2]",
            self.period_tolerance,
        )


@dataclass(frozen=True)
class CatalogAmplitudesConfig:
    """I-band amplitudes from the OGLE-III catalog for stars of other surveys that are OGLE-III
    stars with no OGLE-III light curve in the dataset (``data.catalog_amplitudes``;
    :mod:`varsynth.data.catalog_amplitudes`).

    The OGLE-III catalog gives every star's I-band peak-to-peak amplitude ``A_1`` (mag), but
    ``../shared/data`` holds OGLE-III light curves of LMC Cepheids only: no I-band light curve of an
    RR Lyrae or long-period variable is in the training data. A light curve whose star lies within
    ``radius_arcsec`` of an OGLE-III catalog star of the same class (and subtype, where both give
    one) and the same period (relative ``period_tolerance``) records that amplitude, so that a
    model can learn the star's I-band amplitude (the flow prior's ``catalog_amplitudes``).
    ``enabled: false`` (every dataset built before 2026-12-06) records nothing.
    """

    enabled: bool = False
    radius_arcsec: float = 3.0
    period_tolerance: float = 0.1

    def __post_init__(self) -> None:
        _check(isinstance(self.enabled, bool), "catalog_amplitudes.enabled", "true or false", self.enabled)
        _check(0 < self.radius_arcsec <= 10, "catalog_amplitudes.radius_arcsec", "in (0, 10]", self.radius_arcsec)
        _check(
            0 < self.period_tolerance <= 0.2,
            "catalog_amplitudes.period_tolerance",
            "in (0, 0.2]",
            self.period_tolerance,
        )


@dataclass(frozen=True)
class CrossmatchConfig:
    """Which light curves of different surveys (or ids) are one physical star (``data.crossmatch``).

    Two stars with positions closer than ``radius_arcsec`` are one object when they are closer
    than ``period_check_beyond_arcsec`` or their periods agree: within ``period_tolerance``
    (relative), allowing daily aliases ``1/P_a = +-1/P_b + k x 1.0027`` cycles/day for
    ``k <= alias_orders``, and a factor 2 either way when one of the two is an ECL or ELL
    (binaries are found at half their period).
    The defaults are justified by the separations measured on the real EROS-1 / OGLE-III pairs
    (docs/data.md). ``enabled: false`` splits by survey star id alone, as before.
    """

    enabled: bool = True
    radius_arcsec: float = 5.0
    period_check_beyond_arcsec: float = 1.0
    period_tolerance: float = 0.01
    alias_orders: int = 2

    def __post_init__(self) -> None:
        _check(0 < self.radius_arcsec <= 60, "crossmatch.radius_arcsec", "in (0, 60]", self.radius_arcsec)
        _check(
            0 <= self.period_check_beyond_arcsec <= self.radius_arcsec,
            "crossmatch.period_check_beyond_arcsec",
            "in [0, crossmatch.radius_arcsec]",
            self.period_check_beyond_arcsec,
        )
        _check(0 < self.period_tolerance <= 0.1, "crossmatch.period_tolerance", "in (0, 0.1]", self.period_tolerance)
        _check(
            isinstance(self.alias_orders, int) and 0 <= self.alias_orders <= 5,
            "crossmatch.alias_orders",
            "an integer in [0, 5]",
            self.alias_orders,
        )


#: Conventions of a dataset's ``wave_eff`` (:attr:`DataConfig.wavelengths`).
WAVELENGTHS = ("published", "colour")


@dataclass(frozen=True)
class DataConfig:
    """Everything that defines one training dataset; the same config and seed give the same bytes.

    Attributes:
        data_root: folder holding the survey folders (relative paths resolve against the current
            directory; the environment variable ``VARSYNTH_DATA_ROOT`` overrides it).
        seed: seed of every random choice (undersampling, augmentation, split).
        seq_len: points per light curve after random undersampling (paper: 300).
        limit_per_class: read at most this many stars per survey class label (quick builds).
        period_workers: processes for the period searches of CRTS, Gaia DR3 and ASAS (and the
            file parsing of Catalina SSS).
        wavelengths: each light curve's ``wave_eff``: ``published`` (the band's published
            effective wavelength) or ``colour`` (its star's temperature through the band where the
            band's transmission is known, :func:`varsynth.bands.effective_wavelength`; tried for
            the default and not adopted, docs/training.md).
        catalog_labels: OGLE-III catalog classes for stars of other surveys that are OGLE-III
            stars (:class:`CatalogLabelsConfig`).
        catalog_amplitudes: OGLE-III catalog I-band amplitudes for stars of other surveys that
            are OGLE-III stars (:class:`CatalogAmplitudesConfig`).
    """

    data_root: str = "../shared/data"
    seed: int = 42
    seq_len: int = 300
    limit_per_class: int | None = None
    period_workers: int = 2
    wavelengths: str = "published"
    surveys: dict[str, SurveyConfig] = field(default_factory=_default_surveys)
    physics: PhysicsConfig = field(default_factory=PhysicsConfig)
    clean: CleanConfig = field(default_factory=CleanConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    split: SplitConfig = field(default_factory=SplitConfig)
    crossmatch: CrossmatchConfig = field(default_factory=CrossmatchConfig)
    catalog_labels: CatalogLabelsConfig = field(default_factory=CatalogLabelsConfig)
    catalog_amplitudes: CatalogAmplitudesConfig = field(default_factory=CatalogAmplitudesConfig)

    def __post_init__(self) -> None:
        _check(self.seq_len >= 3, "seq_len", ">= 3", self.seq_len)
        _check(
            self.limit_per_class is None or self.limit_per_class >= 1,
            "limit_per_class",
            "null or >= 1",
            self.limit_per_class,
        )
        _check(self.period_workers >= 1, "period_workers", ">= 1", self.period_workers)
        _check(self.wavelengths in WAVELENGTHS, "wavelengths", f"one of {list(WAVELENGTHS)}", self.wavelengths)
        unknown = sorted(set(self.surveys) - set(SURVEYS))
        _check(not unknown, "surveys", f"drawn from {list(SURVEYS)}", unknown)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DataConfig:
        """Build from a plain dict (as read from YAML); missing keys take their defaults."""
        data = dict(data)
        surveys = data.pop("surveys", None)
        cfg = _from_dict(cls, data, "data config")
        if surveys is not None:
            if not isinstance(surveys, dict):
                raise ConfigError("surveys must be a mapping of survey name to settings")
            merged = _default_surveys()
            for name, value in surveys.items():
                if name not in SURVEYS:
                    raise ConfigError(f"surveys: unknown survey {name!r}; valid: {list(SURVEYS)}")
                merged[name] = _from_dict(SurveyConfig, value, f"surveys.{name}")
            cfg = dataclasses.replace(cfg, surveys=merged)
        return cfg

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (lists, not tuples) suitable for YAML and JSON."""
        return to_plain(self)

    def resolved_root(self) -> Path:
        """The data root as an absolute path (``VARSYNTH_DATA_ROOT`` wins over the config)."""
        return Path(os.environ.get("VARSYNTH_DATA_ROOT", self.data_root)).expanduser().resolve()


def load_data_config(path: str | Path, **overrides: Any) -> DataConfig:
    """Read a data config from YAML; keyword ``overrides`` replace top-level keys.

    Raises:
        ConfigError: unknown keys or invalid values, named with their path in the file.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"cannot read data config {path}: {err}") from err
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a data config must be a mapping, got {type(raw).__name__}")
    raw.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return DataConfig.from_dict(raw)
    except TypeError as err:
        raise ConfigError(f"{path}: {err}") from err
