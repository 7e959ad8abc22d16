"""Physical parameters and class of an observed light curve, from a trained generative model.

For every class c the model knows, the light curve is prepared as in training (cleaned, folded
on its period with phase 0 at maximum light, or primary minimum for binaries, undersampled and
min-max scaled) and encoded with the known physical parameters (usually only the period; the
encoder was trained with physics hidden at random, ``phys_dropout``) to its latent mean z_c.
Candidate physics theta_k are drawn from the class's training stars conditioned on the known
parameters, p(theta | c), and weighted by the flow prior's density of the observed latent code
and amplitude, p(z_c, log A | c, theta_k, band), raised to a temperature: importance sampling
of the posterior p(theta | x, c). How many neighbours the candidates come from and the
temperature are fitted on validation stars (:class:`PosteriorSettings`). The class
probabilities compare a one-sample evidence bound per class: the decoder's reconstruction
chi^2 at z_c, the flow's average density over the candidates and the entropy of the encoder's
posterior, with a uniform prior over classes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from varsynth.bundle import open_component
from varsynth.config import VARSYNTH_MIN_SNR_BY_CLASS, CleanConfig, ConfigError
from varsynth.data.io import json_safe
from varsynth.data.samples import clean_lightcurve, real_sample
from varsynth.generation.model import GenerativeModel
from varsynth.inference.observations import usable_points
from varsynth.lightcurve import LightCurve
from varsynth.surveys.periods import DOUBLED_CLASSES, find_period
from varsynth.taxonomy import CLASSES

__all__ = [
    "QUANTILES",
    "Candidates",
    "Observed",
    "Posterior",
    "PosteriorSettings",
    "candidates",
    "class_posterior",
    "infer",
    "posterior_settings",
    "weighted_quantiles",
]

#: Reported posterior quantiles: the 95% and 68% central intervals and the median.
QUANTILES: tuple[float, ...] = (0.025, 0.16, 0.5, 0.84, 0.975)
_UNITS = {"teff": "K", "abs_mag": "mag", "period": "days"}


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, q: tuple[float, ...] = QUANTILES) -> np.ndarray:
    """Quantiles of a weighted sample (midpoint interpolation of the weighted CDF); NaN values and
    zero weights are left out, and an empty sample gives NaN."""
    keep = (weights > 0) & np.isfinite(values)
    if not keep.any():
        return np.full(len(q), np.nan)
    order = np.argsort(values[keep])
    v, w = values[keep][order], weights[keep][order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cdf, v)


@dataclass
class Posterior:
    """Inference result for one light curve.

    Attributes:
        class_probabilities: P(class | light curve) for each class the model knows.
        best_class: the most probable class.
        quantiles: for the best class, per parameter (``teff`` K, ``abs_mag`` mag, ``period``
            days) the :data:`QUANTILES` of its posterior.
        per_class: the same quantiles for every class that could be scored.
        period: the period (days) the best class was folded on (given, or found by Lomb-Scargle
            and doubled for eclipsing and ellipsoidal classes).
        rejected: classes that could not be scored, with the reason (e.g. S/N too low).
        points: rows given and rows used (finite time and magnitude, error > 0).
        settings: the posterior settings used (:class:`PosteriorSettings`: ``neighbours``,
            ``temperature``).
    """

    class_probabilities: dict[str, float]
    best_class: str
    quantiles: dict[str, list[float]]
    per_class: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    period: float = math.nan
    rejected: dict[str, str] = field(default_factory=dict)
    points: dict[str, int] = field(default_factory=dict)
    settings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Dict ready for strict JSON (NaN and inf as ``None``) with the quantile levels and units spelled out."""
        return json_safe(
            {
                "best_class": self.best_class,
                "class_probabilities": self.class_probabilities,
                "quantile_levels": list(QUANTILES),
                "units": _UNITS,
                "quantiles": self.quantiles,
                "per_class": self.per_class,
                "period_used": self.period,
                "rejected": self.rejected,
                "points": self.points,
                "posterior_settings": self.settings,
            }
        )


def _to_physical(theta: np.ndarray) -> dict[str, np.ndarray]:
    """Transformed catalog columns (log10 Teff, M_G, log10 P) to K, mag, days."""
    return {"teff": 10 ** theta[:, 0], "abs_mag": theta[:, 1], "period": 10 ** theta[:, 2]}


@dataclass(frozen=True)
class PosteriorSettings:
    """How the physics posterior is formed from the candidates.

    Attributes:
        neighbours: each candidate copies the unknown parameters of one of the class's
            ``neighbours`` training light curves nearest to the known parameters
            (:meth:`~varsynth.latent.catalog.PhysicsCatalog.draw`); few neighbours make the
            conditional p(theta | known, c) narrower than the class's real spread at that period.
        temperature: power of the flow's density in the candidate weights (1: the density
            itself; 0: the prior p(theta | known, c) alone). Below 1 it widens a posterior that
            the flow makes too sharp. Both are fitted on the validation split by
            :func:`varsynth.inference.calibration.calibrate` and stored in the bundle's
            ``calibration.json``; a bundle without one uses these defaults (the raw density).
    """

    neighbours: int = 20
    temperature: float = 1.0

    def __post_init__(self) -> None:
        if not (isinstance(self.neighbours, int) and self.neighbours >= 1):
            raise ConfigError(f"posterior neighbours must be an integer >= 1, got {self.neighbours!r}")
        if not (math.isfinite(self.temperature) and 0.0 <= self.temperature <= 1.0):
            raise ConfigError(f"posterior temperature must be in [0, 1], got {self.temperature!r}")

    def weights(self, log_density: np.ndarray) -> np.ndarray:
        """Candidate weights (max 1) from the flow's log densities (nats)."""
        return np.exp(self.temperature * (log_density - log_density.max()))


def posterior_settings(model: GenerativeModel) -> PosteriorSettings:
    """The posterior settings fitted for ``model`` (its bundle's ``calibration.json``, key
    ``posterior``), or the defaults when it has none."""
    calibration = open_component(model.path, "calibration")
    fitted = calibration.json("calibration.json").get("posterior") if calibration is not None else None
    if not fitted:
        return PosteriorSettings()
    return PosteriorSettings(int(fitted["neighbours"]), float(fitted["temperature"]))


@dataclass(frozen=True)
class Observed:
    """One prepared light curve with what is known of it, the input of :func:`candidates` and
    :func:`class_posterior`.

    Attributes:
        sample: the light curve as a batch of size 1 (``phase``, ``mag``, ``mag_err``, ``mask``
            (1, T); ``wave`` (1,) in micrometres), prepared for the class it is scored as.
        log_amp: log10 peak-to-peak amplitude (mag) of the prepared light curve.
        known: transformed known physics (3,): log10 Teff (K), M_G (mag), log10 P (days), NaN
            where unknown.
    """

    sample: dict[str, torch.Tensor]
    log_amp: float
    known: np.ndarray


@dataclass
class Candidates:
    """Candidate physics of one class for one light curve, with the flow's log density of each.

    Attributes:
        theta: transformed physics (K, 3): log10 Teff (K), M_G (mag), log10 P (days).
        log_density: log p(z, log A | c, theta_k, band) of the observed code (K,), nats.
        mu, logvar: the encoder's posterior of the light curve (1, Z).
        phys, phys_mask: the candidates' decoder conditions (K, 3).
    """

    theta: np.ndarray
    log_density: np.ndarray
    mu: torch.Tensor
    logvar: torch.Tensor
    phys: torch.Tensor
    phys_mask: torch.Tensor


@torch.inference_mode()
def candidates(
    model: GenerativeModel,
    observed: Observed,
    vclass: str,
    rng: np.random.Generator,
    n_candidates: int = 1000,
    neighbours: int = 20,
) -> Candidates:
    """Candidate physics drawn from the class's training stars given the known ones, each with
    the flow's density of the light curve's latent code and amplitude.

    Arguments:
        model: the generative model.
        observed: the prepared light curve, its amplitude and known physics.
        vclass: the class to score.
        rng: random generator of the candidate draws.
        n_candidates: candidate physics vectors drawn from the class's training stars.
        neighbours: the training stars nearest the known physics the candidates come from.
    """
    catalog, sample = model.catalog, observed.sample
    known = np.asarray(observed.known, dtype=np.float64)
    theta, _ = catalog.draw(vclass, None, known, n_candidates, rng, k=neighbours)  # (K, 3)
    k = len(theta)
    index, wave = CLASSES.index(vclass), sample["wave"].numpy()
    given = model.conditions(np.array([index]), known[None, :], wave)
    mu, logvar = model.cvae.encode({**sample, **{key: given[key] for key in ("class_index", "phys", "phys_mask")}})
    # candidates: parameters the class has no training values of are masked, as in training
    cand = model.conditions(np.full(k, index), theta, np.repeat(wave, k))
    ctx = model.flow.context(cand["class_index"], cand["phys"], cand["phys_mask"], cand["wave"])
    lp = model.flow.log_prob(mu.expand(k, -1), torch.full((k,), observed.log_amp), ctx).double().numpy()
    return Candidates(theta, lp, mu, logvar, cand["phys"], cand["phys_mask"])


@torch.inference_mode()
def class_posterior(
    model: GenerativeModel,
    observed: Observed,
    vclass: str,
    rng: np.random.Generator,
    n_candidates: int = 1000,
    settings: PosteriorSettings | None = None,
) -> tuple[float, dict[str, np.ndarray], np.ndarray]:
    """Evidence bound, candidate physics (K, units as :func:`_to_physical`) and their weights.

    The evidence of the class is a one-sample bound on log p(light curve | known physics, class)
    plus log p(known physics | class) (:meth:`~varsynth.latent.catalog.PhysicsCatalog.log_density`);
    it uses the flow's density itself, the weights its tempered power (``settings``). Arguments
    as :func:`candidates`; ``settings``: neighbours and temperature (default:
    :func:`posterior_settings` of the model).
    """
    settings = settings or posterior_settings(model)
    cfg, sample = model.cvae.config, observed.sample
    cand = candidates(model, observed, vclass, rng, n_candidates, settings.neighbours)
    lp = cand.log_density
    best = int(np.argmax(lp))
    dec_batch = {
        "class_index": torch.tensor([CLASSES.index(vclass)]),
        "phys": cand.phys[best : best + 1],
        "phys_mask": cand.phys_mask[best : best + 1],
        "wave": sample["wave"],
    }
    mag_hat, _ = model.cvae.decode(cand.mu, model.cvae.condition(dec_batch, decoder=True), sample["phase"])
    m = sample["mask"][0]
    err = sample["mag_err"][0][m].clamp(min=cfg.min_err)
    chi2 = float((((sample["mag"][0][m] - mag_hat[0][m]) / err) ** 2).sum())
    log_flow = float(lp.max() + np.log(np.exp(lp - lp.max()).mean()))
    entropy = float(0.5 * (1 + math.log(2 * math.pi) + cand.logvar).sum())
    # p(known physics | class): the evidence's other factor
    log_known = model.catalog.log_density(vclass, observed.known)
    score = log_flow - 0.5 * chi2 + entropy + log_known
    return score, _to_physical(cand.theta), settings.weights(lp)


def _prepared(
    model: GenerativeModel,
    time: np.ndarray,
    mag: np.ndarray,
    err: np.ndarray,
    survey: str,
    band: str,
    vclass: str,
    period: float,
    length: int,
    seed: int,
    teff: float | None = None,
) -> tuple[dict[str, torch.Tensor], float] | str:
    """The light curve prepared as a training sample of ``model`` for class ``vclass``, or the reason it can't be
    (its effective wavelength that of a star of ``teff`` K, or of the class's typical temperature)."""
    lc = LightCurve("input", survey, band, time, mag, err, vclass=vclass, period=period)
    cc = clean_lightcurve(lc, CleanConfig(drop_subtypes=(), min_snr_by_class=dict(VARSYNTH_MIN_SNR_BY_CLASS)))
    if isinstance(cc, str):
        return cc
    s = real_sample(cc, length=length, seed=seed)
    if s is None:
        return "constant light curve"
    wave_nm = model.catalog.wavelengths(survey, band, np.nan if teff is None else teff, vclass)
    t = lambda a: torch.tensor(a, dtype=torch.float32)[None]  # noqa: E731
    batch = {
        "phase": t(s.phase),
        "mag": t(s.mag),
        "mag_err": t(s.mag_err),
        "mask": torch.ones(1, s.phase.size, dtype=torch.bool),
        "wave": torch.tensor(wave_nm / 1000.0),
    }
    return batch, math.log10(s.mag_max - s.mag_min)


def _arrays(
    time: np.ndarray | LightCurve,
    mag: np.ndarray | None,
    mag_err: np.ndarray | None,
    survey: str | None,
    band: str | None,
    period: float | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str, str, float | None]:
    """``(time, mag, mag_err, survey, band, period)`` of :func:`infer`'s arguments: a
    :class:`LightCurve`'s (times as read, :meth:`LightCurve.survey_time`; its survey, band and a
    finite period unless given) or the arrays given."""
    if isinstance(time, LightCurve):
        if mag is not None or mag_err is not None:
            raise ConfigError("give a LightCurve alone, or the arrays time, mag and mag_err, not both")
        lc = time
        known = period if period is not None else (lc.period if math.isfinite(lc.period) else None)
        return lc.survey_time(), lc.mag, lc.mag_err, survey or lc.survey, band or lc.band, known
    if mag is None or mag_err is None:
        raise ConfigError("mag and mag_err are needed with a time array (or pass a LightCurve)")
    if survey is None or band is None:
        raise ConfigError("survey and band are needed with arrays, e.g. survey='ogle3', band='I'")
    return time, mag, mag_err, survey, band, period


def infer(
    model: GenerativeModel,
    time: np.ndarray | LightCurve,
    mag: np.ndarray | None = None,
    mag_err: np.ndarray | None = None,
    *,
    survey: str | None = None,
    band: str | None = None,
    period: float | None = None,
    teff: float | None = None,
    abs_mag: float | None = None,
    classes: tuple[str, ...] | None = None,
    n_candidates: int = 1000,
    length: int = 300,
    seed: int = 0,
) -> Posterior:
    """Posterior over class and physical parameters of one observed light curve.

    Arguments:
        model: a generative model (:func:`varsynth.generation.load_model`).
        time, mag, mag_err: the observations (days, mag, mag), one passband; or a
            :class:`~varsynth.lightcurve.LightCurve` as ``time`` alone (e.g.
            :meth:`Observations.lightcurve <varsynth.inference.observations.Observations.lightcurve>`
            or a survey reader's), whose times as read, survey, band and finite period are used
            unless given here. Only phases matter, so any time zero point serves. Rows without
            a finite time and magnitude and an error > 0 are left out; fewer than
            :data:`~varsynth.inference.observations.MIN_POINTS` usable rows are refused.
        survey, band: the passband (a key of :data:`varsynth.bands.BANDS`); needed with arrays.
        period: period (days) if known; otherwise found by Lomb-Scargle (doubled for
            eclipsing and ellipsoidal classes).
        teff, abs_mag: other known parameters (K, mag), kept fixed.
        classes: classes to consider (default: all the model knows).
        n_candidates: candidate physics per class.
        length: points the light curve is undersampled to (the training ``seq_len``).
        seed: seed of undersampling and candidate draws.
    """
    given, given_mag, given_err, survey, band, period = _arrays(time, mag, mag_err, survey, band, period)
    t, m, e = (np.asarray(a, dtype=np.float64).ravel() for a in (given, given_mag, given_err))
    if not t.size == m.size == e.size:
        raise ConfigError(f"time, mag and mag_err need the same length, got {t.size}, {m.size}, {e.size}")
    keep, _ = usable_points(t, m, e)
    t, m, e = t[keep], m[keep], e[keep]
    searched = period is None  # a Lomb-Scargle period is half the true one for binaries
    if teff is not None and not (math.isfinite(teff) and teff > 0):
        raise ConfigError(f"teff must be > 0 K, got {teff!r}")
    if abs_mag is not None and not math.isfinite(abs_mag):
        raise ConfigError(f"abs_mag must be finite, got {abs_mag!r}")
    if period is None:
        period = find_period(t, m, e).period
    elif not (math.isfinite(period) and period > 0):
        raise ConfigError(f"period must be > 0 days, got {period!r}")
    known_classes = sorted(set(model.catalog.vclass.tolist()))
    chosen = list(classes) if classes else known_classes
    rng = np.random.default_rng(seed)
    settings = posterior_settings(model)
    scores, per_class, rejected, used = {}, {}, {}, {}  # used: the period each class was folded on
    for vclass in chosen:
        p = 2 * period if (searched and vclass in DOUBLED_CLASSES) else period
        prepared = _prepared(model, t, m, e, survey, band, vclass, p, length, seed, teff)
        used[vclass] = p
        if isinstance(prepared, str):
            rejected[vclass] = prepared
            continue
        known = np.array(
            [
                math.log10(teff) if teff is not None else np.nan,
                abs_mag if abs_mag is not None else np.nan,
                math.log10(p),
            ]
        )
        observed = Observed(prepared[0], prepared[1], known)
        score, theta, weights = class_posterior(model, observed, vclass, rng, n_candidates, settings)
        scores[vclass] = score
        per_class[vclass] = {name: weighted_quantiles(theta[name], weights).tolist() for name in _UNITS}
    if not scores:
        raise ConfigError(f"the light curve could not be prepared for any class: {rejected}")
    names = list(scores)
    s = np.array([scores[c] for c in names])
    prob = np.exp(s - s.max())
    prob /= prob.sum()
    best = names[int(np.argmax(prob))]
    return Posterior(
        {c: float(v) for c, v in zip(names, prob)},
        best,
        per_class[best],
        per_class,
        used[best],
        rejected,
        points={"given": int(keep.size), "used": int(keep.sum())},
        settings={"neighbours": settings.neighbours, "temperature": settings.temperature},
    )
