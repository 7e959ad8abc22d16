"""Cleaning, samples and class balancing on light curves the test makes itself."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from varsynth.config import DataConfig
from varsynth.data.build import make_samples, samples_table
from varsynth.data.samples import augmented_sample, clean_lightcurve, real_sample
from varsynth.data.split import split_stars
from varsynth.lightcurve import LightCurve, PhysParam
from varsynth.surveys.skips import SkipLog


def make_lc(
    star: str,
    vclass: str = "CEP",
    *,
    n: int = 500,
    period: float = 3.0,
    amp: float = 0.5,
    err: float = 0.02,
    subtype: str = "F",
    teff: float | None = None,
    seed: int = 0,
) -> LightCurve:
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 1000, n))
    mag = 15 + amp * np.sin(2 * np.pi * t / period) + rng.normal(0, err, n)
    lc = LightCurve(star, "ogle3", "I", t, mag, np.full(n, err), vclass, subtype, period)
    lc.physics = {
        "teff": PhysParam(teff, 200.0, "gaia") if teff else PhysParam(),
        "abs_mag": PhysParam(),
        "period": PhysParam(period, 1e-6, "catalog") if np.isfinite(period) else PhysParam(),
    }
    return lc


def test_clean_lightcurve_reasons():
    cfg = DataConfig().clean
    assert clean_lightcurve(make_lc("a", subtype="1O/2O"), cfg) == "subtype dropped (1O/2O)"
    assert clean_lightcurve(make_lc("b", period=np.nan), cfg) == "missing period"
    assert clean_lightcurve(make_lc("c", amp=0.02, err=0.05), cfg) == "S/N < 5"
    assert clean_lightcurve(make_lc("d", n=10), cfg) == "fewer than 20 points"
    lc = make_lc("e")
    lc.meta["period_ok"] = False
    assert clean_lightcurve(lc, cfg) == "period search failed"


def test_class_snr_threshold_replaces_the_default_for_its_class_only():
    """A 0.06 mag sine under 0.05 mag errors: S/N 4.1, under the paper's 5, over ELL's own 3.5;
    a 0.03 mag one is at the level of noise alone (S/N 3.35 against 3.29)."""
    paper = DataConfig().clean
    ell35 = DataConfig.from_dict({"clean": {"min_snr_by_class": {"ELL": 3.5}}}).clean
    ell, cep = make_lc("a", "ELL", amp=0.06, err=0.05, subtype=""), make_lc("b", "CEP", amp=0.06, err=0.05)
    assert clean_lightcurve(ell, paper) == "S/N < 5"
    kept = clean_lightcurve(ell, ell35)
    assert not isinstance(kept, str) and 3.5 <= kept.snr < 5
    assert clean_lightcurve(cep, ell35) == "S/N < 5"
    assert clean_lightcurve(make_lc("c", "ELL", amp=0.03, err=0.05, subtype=""), ell35) == "S/N < 3.5"


@pytest.mark.parametrize(
    "bad, message",
    [({"EB": 3}, "keyed by classes"), ({"ELL": -1}, "min_snr_by_class.ELL must be >= 0"), ({"ELL": "3"}, ">= 0")],
)
def test_class_snr_threshold_refuses_unknown_classes_and_bad_values(bad, message):
    from varsynth.config import ConfigError

    with pytest.raises(ConfigError, match=message):
        DataConfig.from_dict({"clean": {"min_snr_by_class": bad}})


def test_clean_curve_is_folded_and_sorted():
    cc = clean_lightcurve(make_lc("a"), DataConfig().clean)
    assert not isinstance(cc, str)
    assert np.all(np.diff(cc.phase) >= 0) and cc.phase.min() >= 0 and cc.phase.max() < 1
    # maximum light (smallest magnitude) near phase 0 of the binned curve
    assert min(cc.phase[np.argmin(cc.mag)], 1 - cc.phase[np.argmin(cc.mag)]) < 0.1
    # each point keeps its time since the epoch, in the phases' order: the phase is its fraction of a cycle
    lc = make_lc("a")
    assert sorted(cc.time + cc.epoch) == pytest.approx(np.sort(lc.time))
    np.testing.assert_allclose(np.mod(cc.time / lc.period, 1.0), cc.phase, atol=1e-9)


def test_samples_are_fixed_length_scaled_and_reproducible():
    cc = clean_lightcurve(make_lc("a"), DataConfig().clean)
    s1 = real_sample(cc, length=300, seed=1)
    s2 = real_sample(cc, length=300, seed=1)
    assert s1.phase.size == 300 and s1.mag.min() == 0 and s1.mag.max() == 1
    np.testing.assert_array_equal(s1.mag, s2.mag)
    a1 = augmented_sample(cc, 1, length=300, seed=1)
    a2 = augmented_sample(cc, 2, length=300, seed=1)
    assert a1.sample_id != s1.sample_id and not np.array_equal(a1.mag, a2.mag)


def _build(stars: dict[str, list[LightCurve]], **augment):
    cfg = DataConfig.from_dict({"augment": augment})
    clean = [clean_lightcurve(lc, cfg.clean) for lcs in stars.values() for lc in lcs]
    split_of = split_stars(((c.lc.key, c.lc.vclass) for c in clean), (0.6, 0.2, 0.2), cfg.seed)
    return make_samples(clean, split_of, cfg, SkipLog(), progress=False), split_of


def test_balancing_augments_train_and_val_only_and_keeps_copies_with_their_star():
    stars = {f"c{i}": [make_lc(f"c{i}", seed=i)] for i in range(20)}
    by_split, split_of = _build(stars, large_class_threshold=100, target_small=64, target_large=500)
    assert all(s.aug_index == 0 for s in by_split["test"])
    assert len(by_split["train"]) + len(by_split["val"]) == 64
    for split, samples in by_split.items():
        for s in samples:
            assert split_of[s.source.lc.key] == split
    # copies are spread evenly over the sources
    per_star = Counter(s.source.lc.key for s in by_split["train"])
    assert max(per_star.values()) - min(per_star.values()) <= 1


def test_reduction_keeps_stars_with_teff_first():
    stars = {f"c{i}": [make_lc(f"c{i}", seed=i, teff=6000.0 if i % 2 else None)] for i in range(40)}
    by_split, split_of = _build(stars, large_class_threshold=1000, target_small=8, target_large=8)
    assert len(by_split["train"]) + len(by_split["val"]) == 8

    def has_teff(key: str) -> bool:
        return int(key.rsplit(":c", 1)[1]) % 2 == 1

    for split in ("train", "val"):
        kept = {s.source.lc.key for s in by_split[split]}
        pool_with_teff = {k for k, v in split_of.items() if v == split and has_teff(k)}
        # a star without Teff is kept only once every star with Teff of that split is kept
        if not all(has_teff(k) for k in kept):
            assert pool_with_teff <= kept


def test_samples_table_columns():
    stars = {f"c{i}": [make_lc(f"c{i}", seed=i)] for i in range(5)}
    by_split, _ = _build(stars, enabled=False)
    table = samples_table(by_split["train"], "train")
    assert table.num_rows == len(by_split["train"])
    row = table.slice(0, 1).to_pylist()[0]
    assert len(row["phase"]) == row["n_points"] == len(row["time"]) == 300
    # the undersampled points keep their own times (days since the epoch): phase = time / period mod 1
    np.testing.assert_allclose(np.mod(np.asarray(row["time"]) / 3.0, 1.0), row["phase"], atol=1e-6)
    assert row["teff_source"] == "missing" and row["period_source"] == "catalog"
    assert row["wave_eff"] == pytest.approx(806.0)
    assert row["object_id"] == row["star_key"]  # no cross-match given: each star its own object
    other = samples_table(by_split["train"], "train", {row["star_key"]: "ogle3:X"})
    assert other.slice(0, 1).to_pylist()[0]["object_id"] == "ogle3:X"
