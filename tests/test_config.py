"""Data configs: defaults, strict keys, clear messages for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from varsynth.config import VARSYNTH_MIN_SNR_BY_CLASS, ConfigError, DataConfig, load_data_config

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "data"


@pytest.mark.parametrize("name", ["default.yaml", "quick.yaml"])
def test_shipped_configs_load(name):
    cfg = load_data_config(CONFIGS / name)
    assert cfg.seq_len == 300
    assert DataConfig.from_dict(cfg.to_dict()) == cfg
    # the per-class S/N cuts inference applies are the shipped datasets' own
    assert cfg.clean.min_snr_by_class == VARSYNTH_MIN_SNR_BY_CLASS


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"clean": {"minsnr": 3}}, "unknown key.*minsnr.*data config.clean"),
        ({"split": {"train": 0.7}}, "split.train \\+ split.val \\+ split.test must be 1"),
        ({"seq_len": 1}, "seq_len must be >= 3"),
        ({"surveys": {"ztf": {}}}, "unknown survey 'ztf'"),
        ({"physics": {"teff_priority": ["bogus"]}}, "physics.teff_priority"),
        ({"clean": {"clip_sigma": 0}}, "clean.clip_sigma must be > 0"),
        ({"clean": {"epoch_fit_order": -1}}, "clean.epoch_fit_order must be an integer in \\[0, 32\\]"),
        ({"clean": {"epoch_fit_order": 40}}, "clean.epoch_fit_order must be an integer in \\[0, 32\\]"),
    ],
)
def test_bad_values_are_refused_with_the_key_named(raw, message):
    with pytest.raises(ConfigError, match=message):
        DataConfig.from_dict(raw)


def test_overrides_and_bad_files(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("seed: 1\n")
    assert load_data_config(path, seed=9).seed == 9
    path.write_text("- not a mapping\n")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_data_config(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_data_config(tmp_path / "absent.yaml")
