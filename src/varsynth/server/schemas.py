"""The bodies the service takes (pydantic models, described in its OpenAPI document).

Only the types are checked here; every value is checked by the code the command line uses
(:class:`~varsynth.generation.StarRequest`, the cadence registry, :func:`~varsynth.generation.iter_generate`,
:func:`~varsynth.inference.observations.usable_points`), so that the service and the command
line accept and refuse the same things with the same messages.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

__all__ = ["GenerateParams", "InferParams", "OUTPUT_FORMATS"]

#: Answer formats of ``POST /api/generate``: JSON is built in memory (small requests), Parquet,
#: CSV and ECSV are streamed (large ones).
OUTPUT_FORMATS = ("json", "parquet", "csv", "ecsv")


class GenerateParams(BaseModel):
    """What to generate: the options of ``varsynth generate`` (``--cadence-file`` and ``--opsim``
    excepted: the service reads no file of its host)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    vclass: str = Field(validation_alias=AliasChoices("vclass", "class"), description="variability class, e.g. RRLYR")
    subtype: str | None = Field(None, description="subtype, e.g. RRab; restricts the drawn physics")
    teff: float | None = Field(None, description="effective temperature (K); null: drawn")
    abs_mag: float | None = Field(None, description="absolute G magnitude (mag); null: drawn")
    period: float | None = Field(None, description="period (days); null: drawn")
    distance_modulus: float | None = Field(None, description="distance modulus (mag); default the LMC's 18.477")
    mean_mag: float | None = Field(None, description="apparent mean G magnitude (mag), instead of a distance modulus")
    extinction: float = Field(0.0, description="V-band extinction A_V (mag)")
    epoch: float | None = Field(None, description="MJD of phase 0; null: random")
    n: int = Field(1, description="number of stars (one light curve per band each)")
    cadence: str = Field("ogle3", description="cadence name (GET /api/cadences)")
    cadence_options: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description='cadence options, e.g. {"n_epochs": 300}'
    )
    bands: list[str] | None = Field(None, description="only these bands of the cadence")
    seed: int = Field(0, description="seed: the same seed gives the same light curves")
    allow_extrapolation: bool = Field(
        False, description="generate physics or bands outside the training range, flagged"
    )
    noise: bool = Field(True, description="false: noiseless magnitudes (errors still reported)")
    format: Literal["json", "parquet", "csv", "ecsv"] = Field(
        "json", description="json (per star and band arrays; small requests), or parquet, csv, ecsv (streamed)"
    )


class InferParams(BaseModel):
    """An observed light curve in one passband (the input of ``varsynth infer``)."""

    model_config = ConfigDict(extra="forbid")

    time: list[float] = Field(description="observation times (days, e.g. MJD or HJD)")
    mag: list[float] = Field(description="magnitudes (mag)")
    mag_err: list[float] = Field(description="1-sigma magnitude errors (mag)")
    survey: str = Field("ogle3", description="photometric system of the band")
    band: str = Field("I", description="passband")
    period: float | None = Field(None, description="period (days); null: Lomb-Scargle search")
    candidates: int = Field(1000, description="candidate physics per class")
    seed: int = Field(0, description="seed of undersampling and candidates")
