"""What the service does, without the web framework: check a request, generate, infer, describe.

:class:`Service` holds the model (loaded once) and the explorer's small precomputed tables. Every
check is the command line's own code; a refused request raises :class:`RequestError` with the
HTTP status, the field at fault and the message the command line would print.
"""

from __future__ import annotations

import inspect
import json
import math
import re
import shlex
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from varsynth.cadences import CADENCES, Cadence, as_cadence, cadence_options
from varsynth.evaluation.fourier import fourier_parameters
from varsynth.generation.checks import probe_epochs, resolve_cadence
from varsynth.generation.config import GenerationConfig
from varsynth.generation.engine import check_config
from varsynth.generation.model import GenerativeModel
from varsynth.generation.request import StarRequest
from varsynth.generation.writers import check_finite
from varsynth.server.limits import Limits
from varsynth.server.schemas import GenerateParams, InferParams

__all__ = ["Prepared", "RequestError", "Service", "field_of"]

#: Cadences that read a file of the host: not offered by the service.
_HOST_FILE_CADENCES = ("file", "opsim")
#: Request fields, in the order a message naming several is attributed to the first.
_FIELDS = (
    "vclass",
    "subtype",
    "teff",
    "abs_mag",
    "period",
    "distance_modulus",
    "mean_mag",
    "extinction",
    "epoch",
    "cadence_options",
    "cadence",
    "bands",
    "seed",
    "n",
    "mag_err",
    "time",
    "mag",
    "survey",
    "band",
    "candidates",
    "format",
)
_ALIASES = {"class": "vclass", "number of stars": "n", "option": "cadence_options"}
#: Training stars per class sent to the explorer (a random subset; the diagrams need no more).
_REFERENCE_STARS = 1500


class RequestError(Exception):
    """A refused request: HTTP ``status`` (413, 422, 429), the ``field`` at fault and the message."""

    def __init__(self, status: int, field: str | None, message: str) -> None:
        super().__init__(message)
        self.status, self.field, self.message = status, field, message


def field_of(message: str, fields: tuple[str, ...] = _FIELDS) -> str | None:
    """The request field a check's message names first (``None`` if none)."""
    hits = []
    for name in (*fields, *_ALIASES):
        m = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", message)
        if m:
            hits.append((m.start(), -len(name), _ALIASES.get(name, name)))
    return min(hits)[2] if hits else None


def refused(err: Exception, status: int = 422) -> RequestError:
    """A check's exception as a :class:`RequestError` naming its field."""
    message = " ".join(str(err).split()) or type(err).__name__
    return RequestError(status, field_of(message), message)


@dataclass(frozen=True)
class Prepared:
    """A checked generation request: the run (its star, built cadence and settings) and the
    estimated epochs (rows)."""

    params: GenerateParams
    config: GenerationConfig
    epochs: float

    @property
    def request(self) -> StarRequest:
        """The star asked for."""
        return self.config.request

    @property
    def cadence(self) -> Cadence:
        """The built cadence."""
        return self.config.cadence


def _round(values: np.ndarray, digits: int) -> list[float]:
    return np.round(values.astype(np.float64), digits).tolist()


def _json_number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


class Service:
    """The loaded model, its explorer tables and the request handlers (thread-safe: read only)."""

    def __init__(self, model: GenerativeModel, limits: Limits | None = None) -> None:
        self.model = model
        self.limits = limits or Limits()
        self._reference = json.loads(resources.files("varsynth.server").joinpath("reference.json").read_text())
        self.info = self._model_info()
        self._cadences = self._cadence_library()

    def warm_up(self) -> None:
        """Generate one star once, so that the first request is as fast as the next ones."""
        first = sorted(self.info["classes"])[0]
        self.as_json(
            prepared := self.prepare(GenerateParams(vclass=first, n=1, cadence="uniform", mean_mag=15.0)),
            list(self.chunks(prepared)),
        )

    # -- descriptions -------------------------------------------------------------------------
    def _ranges(self, vclass: str, subtype: str | None = None) -> dict[str, list[float | None]]:
        r = self.model.catalog.ranges(vclass, subtype)
        show = {
            "teff": [10**v for v in r["log10_teff"]],
            "abs_mag": list(r["abs_mag"]),
            "period": [10**v for v in r["log10_period"]],
        }
        return {k: [_json_number(v) for v in lo_hi] for k, lo_hi in show.items()}

    def _model_info(self) -> dict[str, Any]:
        cat = self.model.catalog
        classes = {}
        for vclass in sorted(set(cat.vclass.tolist())):
            rows = cat.rows(vclass)
            subtypes = sorted({s for s in cat.subtype[rows].tolist() if s})
            classes[vclass] = {
                "stars": int(rows.size),
                "ranges": self._ranges(vclass),
                "subtypes": {s: self._ranges(vclass, s) for s in subtypes},
            }
        card = self.model.card()
        return {
            "name": self.model.name,
            "classes": classes,
            "wave_range_nm": list(cat.wave_range()),
            "units": {"teff": "K", "abs_mag": "mag", "period": "days"},
            "card": {k: card[k] for k in ("dataset_id", "train_samples", "reconstruction_test") if k in card},
            "limits": self.limits.__dict__,
        }

    def cadences(self) -> list[dict[str, Any]]:
        """The cadence library: name, survey, bands, error model and options with their defaults."""
        return self._cadences

    def _cadence_library(self) -> list[dict[str, Any]]:
        out = []
        for name in CADENCES:
            entry: dict[str, Any] = {"name": name, "served": name not in _HOST_FILE_CADENCES}
            opts = cadence_options(name)
            entry["options"] = {k: (None if v is inspect.Parameter.empty else v) for k, v in opts.items()}
            if entry["served"]:
                cad = as_cadence(name)
                entry.update(
                    survey=cad.survey,
                    bands=list(cad.bands),
                    error_model=cad.has_error_model,
                    epochs_per_star=float(probe_epochs(cad).mean()),
                )
            out.append(entry)
        return out

    def reference(self, vclass: str) -> dict[str, Any]:
        """The class's real distribution: training physics (log10 P, M_G, log10 Teff; a random
        subset) and OGLE-III I-band Fourier parameters (log10 P, amplitude, R21, phi21) if any."""
        try:
            rows = self.model.catalog.rows(vclass)
        except ValueError as err:
            raise refused(err, 404) from None
        rng = np.random.default_rng(0)
        rows = rows[rng.permutation(rows.size)[:_REFERENCE_STARS]]
        phys = self.model.catalog.phys[rows][:, [2, 1, 0]]
        physics = [[_json_number(v) for v in row] for row in np.round(phys, 3)]
        fourier = self._reference["classes"].get(vclass)
        return {
            "vclass": vclass,
            "physics": {"columns": ["log10_period", "abs_mag", "log10_teff"], "rows": physics},
            "fourier": None
            if fourier is None
            else {"columns": self._reference["columns"], "rows": fourier, "source": self._reference["source"]},
        }

    # -- generation ----------------------------------------------------------------------------
    def prepare(self, params: GenerateParams) -> Prepared:
        """Check a generation request (the command line's checks) and its size against the limits.

        Raises:
            RequestError: 422 for a bad value, 413 for a request past :class:`Limits`.
        """
        if params.cadence in _HOST_FILE_CADENCES or "path" in params.cadence_options:
            raise RequestError(
                422,
                "cadence",
                f"cadence {params.cadence!r} reads a file of the server; the service "
                f"offers {[c for c in CADENCES if c not in _HOST_FILE_CADENCES]}",
            )
        try:
            request = StarRequest(
                params.vclass,
                params.subtype,
                params.teff,
                params.abs_mag,
                params.period,
                params.distance_modulus,
                params.mean_mag,
                params.extinction,
                params.epoch,
            )
            self.model.catalog.rows(params.vclass, params.subtype)
            name, options = resolve_cadence(params.cadence, dict(params.cadence_options))
            config = GenerationConfig.build(
                request,
                n=params.n,
                cadence=name,
                cadence_options=options,
                seed=params.seed,
                bands=tuple(params.bands) if params.bands else None,
                allow_extrapolation=params.allow_extrapolation,
                noise=params.noise,
            )
            check_config(self.model, config)
        except (ValueError, KeyError, FileNotFoundError) as err:
            raise refused(err) from None
        epochs = params.n * float(probe_epochs(config.cadence, config.bands, config.seed).mean())
        self._check_size(params, epochs)
        return Prepared(params, config, epochs)

    def _check_size(self, params: GenerateParams, epochs: float) -> None:
        lim = self.limits
        in_memory = params.format == "json"
        max_stars, max_epochs = (
            (lim.max_json_stars, lim.max_json_epochs) if in_memory else (lim.max_stars, lim.max_epochs)
        )
        how = f"as {params.format}" + (" (ask for parquet, csv or ecsv, which are streamed)" if in_memory else "")
        if params.n > max_stars:
            raise RequestError(413, "n", f"n = {params.n} stars is more than the {max_stars} served {how}")
        if epochs > max_epochs:
            raise RequestError(
                413,
                "n",
                f"n = {params.n} stars of cadence {params.cadence!r} make about "
                f"{epochs:.0f} epochs, more than the {max_epochs} served {how}",
            )

    def chunks(self, prepared: Prepared) -> Iterator[pa.Table]:
        """The light curves as long-format tables (checked finite); the engine's checks run on the
        first ``next()`` (:func:`~varsynth.generation.engine.generate_chunks`)."""
        from varsynth.generation.engine import generate_chunks

        return map(check_finite, generate_chunks(prepared.config, self.model))

    def as_json(self, prepared: Prepared, tables: list[pa.Table]) -> dict[str, Any]:
        """Light curves per star and band (time MJD, mag, mag_err), drawn physics and Fourier
        parameters, with the equivalent command line and Python call."""
        table = pa.concat_tables(tables) if tables else None
        stars = [] if table is None or table.num_rows == 0 else _stars(table)
        return {
            "stars": stars,
            "rows": 0 if table is None else table.num_rows,
            "cadence": prepared.cadence.name,
            "survey": prepared.cadence.survey,
            "command": command_line(prepared.params),
            "python": python_call(prepared.params),
        }

    def meta(self, prepared: Prepared) -> dict[str, Any]:
        """File metadata of a generated file (scalars; the request as JSON)."""
        from varsynth import __version__

        p = prepared.params
        request = {k: v for k, v in p.model_dump().items() if v is not None and k != "format"}
        return {
            "generator": f"varsynth {__version__} (serve)",
            "model": self.model.name,
            "cadence": prepared.cadence.name,
            "seed": p.seed,
            "n": p.n,
            "request": json.dumps(request),
        }

    # -- inference -----------------------------------------------------------------------------
    def infer(self, params: InferParams) -> dict[str, Any]:
        """Class probabilities and physics quantiles of an observed light curve (``varsynth infer``)."""
        from varsynth.inference import infer
        from varsynth.inference.observations import usable_points

        lim = self.limits
        if len(params.time) > lim.max_infer_points:
            raise RequestError(
                413, "time", f"{len(params.time)} observations are more than the {lim.max_infer_points} served"
            )
        if not 1 <= params.candidates <= lim.max_candidates:
            raise RequestError(
                422 if params.candidates < 1 else 413,
                "candidates",
                f"candidates must be in [1, {lim.max_candidates}], got {params.candidates}",
            )
        time, mag, err = (np.asarray(v, dtype=np.float64) for v in (params.time, params.mag, params.mag_err))
        try:
            if not time.size == mag.size == err.size:
                raise ValueError(f"time, mag and mag_err need the same length, got {time.size}, {mag.size}, {err.size}")
            usable_points(time, mag, err)
            post = infer(
                self.model,
                time,
                mag,
                err,
                survey=params.survey,
                band=params.band,
                period=params.period,
                n_candidates=params.candidates,
                seed=params.seed,
            )
        except (ValueError, KeyError) as err_:
            raise refused(err_) from None
        return post.to_dict()

    def infer_file(self, data: bytes, name: str, params: InferParams) -> dict[str, Any]:
        """:meth:`infer` of a light-curve file's bytes, read as ``varsynth infer FILE`` reads it
        (format from the suffix of ``name``: OGLE ``.dat`` or other text, ``.csv``, ``.ecsv``,
        ``.fits``, ``.parquet``; one passband, ``params.band``); the answer adds the columns used."""
        from varsynth.inference.observations import read_observations

        suffix = Path(name).suffix.lower()
        if not re.fullmatch(r"\.[a-z0-9]{1,10}", suffix or ".dat"):
            raise RequestError(422, "name", f"name {name!r}: give a file name with a plain suffix, e.g. star.csv")
        with tempfile.TemporaryDirectory(prefix="varsynth-serve-") as folder:
            path = Path(folder) / f"lightcurve{suffix or '.dat'}"
            path.write_bytes(data)
            try:
                obs = read_observations(path, band=params.band)
            except (ValueError, KeyError) as err:
                raise refused(err) from None
        arrays = params.model_copy(
            update={"time": obs.time.tolist(), "mag": obs.mag.tolist(), "mag_err": obs.mag_err.tolist()}
        )
        return {"input": {"file": name, **obs.describe()}, **self.infer(arrays)}


def _stars(table: pa.Table) -> list[dict[str, Any]]:
    cols = {name: table[name].to_numpy(zero_copy_only=False) for name in table.column_names}
    ids = cols["id"]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])  # rows come in star order
    ends = np.r_[starts[1:], ids.size]
    return [_star(cols, int(a), int(b)) for a, b in zip(starts, ends)]


def _star(cols: dict[str, np.ndarray], a: int, b: int) -> dict[str, Any]:
    s = slice(a, b)
    bands: dict[str, dict[str, list[float]]] = {}
    for band in dict.fromkeys(cols["band"][s].tolist()):
        sel = cols["band"][s] == band
        bands[band] = {
            "time": _round(cols["time"][s][sel], 6),
            "mag": _round(cols["mag"][s][sel], 4),
            "mag_err": _round(cols["mag_err"][s][sel], 4),
        }
    star = {
        k: cols[k][a].item() if isinstance(cols[k][a], np.generic) else cols[k][a]
        for k in ("id", "vclass", "subtype", "extrapolated")
    }
    star.update(
        {
            k: _json_number(float(cols[k][a]))
            for k in ("teff", "abs_mag", "period", "epoch", "distance_modulus", "extinction")
        }
    )
    star["bands"] = bands
    star["fourier"] = _fourier(bands, star["period"], star["epoch"])
    return star


def _fourier(
    bands: dict[str, dict[str, list[float]]], period: float | None, epoch: float | None
) -> dict[str, Any] | None:
    """Fourier parameters (amplitude mag, R21, phi21 rad, ...) of the star's best-sampled band."""
    if not bands or period is None or epoch is None:
        return None
    band = max(bands, key=lambda b: len(bands[b]["time"]))
    t, m, e = (np.asarray(bands[band][k]) for k in ("time", "mag", "mag_err"))
    try:
        fit = fourier_parameters((t - epoch) / period, m, e)
    except (ValueError, np.linalg.LinAlgError):
        return None
    return {"band": band, **{k: _json_number(v) for k, v in fit.items()}}


def _options(params: GenerateParams) -> list[str]:
    return [f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in params.cadence_options.items()]


def command_line(params: GenerateParams, out: str | None = None) -> str:
    """The ``varsynth generate`` command that writes the same light curves."""
    p = params
    args = ["varsynth", "generate", "--class", p.vclass]
    for flag, value in (
        ("--subtype", p.subtype),
        ("--teff", p.teff),
        ("--abs-mag", p.abs_mag),
        ("--period", p.period),
        ("--distance-modulus", p.distance_modulus),
        ("--mean-mag", p.mean_mag),
        ("--extinction", p.extinction or None),
        ("--epoch", p.epoch),
    ):
        if value is not None:
            args += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    args += ["-n", str(p.n), "--cadence", p.cadence]
    for option in _options(p):
        args += ["--cadence-option", option]
    if p.bands:
        args += ["--bands", *p.bands]
    args += ["--seed", str(p.seed)]
    args += ["--allow-extrapolation"] if p.allow_extrapolation else []
    args += ["--no-noise"] if not p.noise else []
    suffix = p.format if p.format != "json" else "parquet"
    args += ["-o", out or f"{p.vclass.lower()}.{suffix}"]
    return " ".join(shlex.quote(a) for a in args)


def python_call(params: GenerateParams) -> str:
    """The ``varsynth.generate`` call that returns the same light curves."""
    p = params
    kwargs = [f"n={p.n}"]
    for name in ("subtype", "teff", "abs_mag", "period", "distance_modulus", "mean_mag", "epoch"):
        value = getattr(p, name)
        if value is not None:
            kwargs.append(f"{name}={value!r}")
    if p.extinction:
        kwargs.append(f"extinction={p.extinction!r}")
    kwargs.append(f"cadence={p.cadence!r}")
    if p.cadence_options:
        kwargs.append(f"cadence_options={dict(p.cadence_options)!r}")
    if p.bands:
        kwargs.append(f"bands={tuple(p.bands)!r}")
    kwargs.append(f"seed={p.seed}")
    if p.allow_extrapolation:
        kwargs.append("allow_extrapolation=True")
    if not p.noise:
        kwargs.append("noise=False")
    return f"varsynth.generate({p.vclass!r}, {', '.join(kwargs)})"
