"""GenerationConfig: a run's settings checked once, before the model loads, and the engine run from it."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import FrozenInstanceError, replace

import numpy as np
import pyarrow as pa
import pytest

from varsynth.cadences import get_cadence
from varsynth.config import ConfigError
from varsynth.generation import GenerationConfig, StarRequest, generate_chunks, iter_generate, output, write_lightcurves

RR = StarRequest("RRLYR", period=0.55)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"n": 0}, "n (the number of stars) must be >= 1, got 0"),
        ({"seed": -1}, "seed must be >= 0, got -1"),
        ({"chunk_size": 0}, "chunk_size must be >= 1, got 0"),
        ({"fallback_mean_mag": (19.0, 15.0)}, "fallback_mean_mag must be a finite (low, high) range"),
        ({"fallback_mean_mag": (15.0, math.nan)}, "fallback_mean_mag must be a finite (low, high) range"),
        ({"bands": "g"}, "bands must be a sequence of band names, e.g. ('g',)"),
        ({"bands": ("g", "V")}, "bands ['V'] are not observed by cadence 'ztf'; valid: ['g', 'r']"),
    ],
)
def test_each_bad_setting_is_refused_naming_it(settings, message):
    with pytest.raises(ConfigError) as err:
        GenerationConfig.build(RR, cadence="ztf", **settings)
    assert message in str(err.value)


def test_a_config_needs_a_request_and_a_built_cadence():
    with pytest.raises(ConfigError, match="request must be a StarRequest, got str"):
        GenerationConfig("RRLYR", get_cadence("ztf"))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="cadence must be a built Cadence"):
        GenerationConfig(RR, "ztf")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown cadence 'nope'"):
        GenerationConfig.build(RR, cadence="nope")
    with pytest.raises(ConfigError, match="cadence options are only for a cadence given by name"):
        GenerationConfig.build(RR, cadence=get_cadence("ztf"), cadence_options={"n_epochs": 3})


def test_build_makes_the_cadence_from_its_name_and_options_once():
    config = GenerationConfig.build(
        RR, cadence="uniform", cadence_options={"n_epochs": 40, "band": "V"}, n=5, seed=3, bands=["V"]
    )
    assert config.cadence.name == "uniform" and config.cadence.bands == ("V",)
    assert len(config.cadence.draw(np.random.default_rng(0))) == 40
    assert config.bands == ("V",)  # any sequence of names, kept as a tuple
    assert (config.n, config.seed, config.chunk_size, config.noise, config.allow_extrapolation) == (
        5,
        3,
        1000,
        True,
        False,
    )
    with pytest.raises(FrozenInstanceError):
        config.n = 6  # type: ignore[misc]


def test_the_id_prefix_follows_the_class_and_seed_unless_given():
    config = GenerationConfig.build(RR, cadence="ztf", seed=4)
    assert config.prefix == "RRLYR-4-"
    assert replace(config, seed=5).prefix == "RRLYR-5-"  # derived, not frozen at the first seed
    assert replace(config, id_prefix="").prefix == ""
    with pytest.raises(ConfigError, match="n \\(the number of stars\\) must be >= 1"):
        replace(config, n=0)  # a changed copy is checked again


def test_the_engine_run_from_a_config_is_iter_generates_output_bit_for_bit(default_model):
    """Several chunks (chunk size 2 of 5 stars), two bands, fixed physics."""
    request = StarRequest("RRLYR", teff=6500, abs_mag=0.5, period=0.55, distance_modulus=16.0, extinction=0.1)
    kwargs = {"n": 5, "seed": 2, "bands": ("g", "r"), "chunk_size": 2}
    config = GenerationConfig.build(request, cadence="ztf", **kwargs)
    from_config = pa.concat_tables(generate_chunks(config, default_model))
    from_arguments = pa.concat_tables(iter_generate(request, cadence="ztf", model=default_model, **kwargs))
    assert from_config.num_rows > 0 and from_config.equals(from_arguments)
    assert from_config["id"].unique().to_pylist() == [f"RRLYR-2-{i:07d}" for i in range(5)]
    assert set(from_config["band"].to_pylist()) == {"g", "r"}
    again = pa.concat_tables(generate_chunks(config, default_model))  # a config is reusable
    assert again.equals(from_config)


def test_iter_generate_checks_on_the_first_next_as_before():
    chunks = iter_generate(RR, n=0)  # a generator: nothing runs until asked
    with pytest.raises(ConfigError, match="n \\(the number of stars\\) must be >= 1, got 0"):
        next(chunks)


def test_a_bad_engine_setting_of_a_file_run_is_refused_before_the_model_loads(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded before the check")

    monkeypatch.setattr(output, "load_model", refuse)
    for settings, message in (({"chunk_size": 0}, "chunk_size must be >= 1"), ({"bands": ("y",)}, "bands ['y']")):
        with pytest.raises(ConfigError, match=message.replace("[", "\\[").replace("(", "\\(")):
            write_lightcurves(tmp_path / "x.parquet", RR, n=2, cadence="ztf", **settings)
    assert list(tmp_path.iterdir()) == []


_WITHOUT_TORCH = """
import json, sys
from varsynth.generation import GenerationConfig, StarRequest
config = GenerationConfig.build(StarRequest("CEP"), cadence="lsst-wfd", n=3, bands=("g",))
print(json.dumps({"torch": "torch" in sys.modules, "bands": list(config.bands)}))
"""


def test_a_config_is_made_without_importing_torch():
    proc = subprocess.run([sys.executable, "-c", _WITHOUT_TORCH], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"torch": False, "bands": ["g"]}
