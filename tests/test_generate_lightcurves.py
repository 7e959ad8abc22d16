"""Generated light curves as LightCurve records: ``to_lightcurves`` and ``generate(..., as_lightcurves=True)``."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from astropy.table import Table

import varsynth
from varsynth.generation import generate_table, load_model, to_lightcurves
from varsynth.generation.request import StarRequest
from varsynth.generation.writers import LONG_SCHEMA
from varsynth.lightcurve import MJD, LightCurve


def _long_table() -> pa.Table:
    """Two stars in two bands, rows interleaved as a chunk may hold them."""
    rows = [
        ("s1", 60000.0, "g", 18.0, 0.01),
        ("s1", 60000.5, "r", 17.5, 0.02),
        ("s1", 60001.0, "g", 18.1, 0.01),
        ("s2", 60000.2, "r", 16.0, 0.03),
        ("s2", 60000.9, "r", 16.2, 0.03),
    ]
    ids, time, band, mag, err = (list(c) for c in zip(*rows))
    n = len(rows)
    per_star = {"s1": (6000.0, 0.6, 0.55, 60000.1), "s2": (5500.0, -1.0, 3.2, 59999.0)}
    teff, abs_mag, period, epoch = (np.array([per_star[i][k] for i in ids]) for k in range(4))
    columns = {
        "id": ids,
        "time": time,
        "band": band,
        "mag": mag,
        "mag_err": err,
        "vclass": ["RRLYR" if i == "s1" else "CEP" for i in ids],
        "subtype": ["RRab" if i == "s1" else "" for i in ids],
        "teff": teff,
        "abs_mag": abs_mag,
        "period": period,
        "epoch": epoch,
        "distance_modulus": np.full(n, 18.48),
        "extinction": np.zeros(n),
        "cadence": ["ztf"] * n,
        "extrapolated": [False] * n,
    }
    return pa.Table.from_arrays([pa.array(columns[f.name], f.type) for f in LONG_SCHEMA], schema=LONG_SCHEMA)


def test_a_long_table_becomes_one_record_per_star_and_band() -> None:
    table = _long_table()
    lcs = to_lightcurves(table, survey="ztf")
    assert [(lc.star_id, lc.band) for lc in lcs] == [("s1", "g"), ("s1", "r"), ("s2", "r")]
    g = lcs[0]
    assert g.time.tolist() == [60000.0, 60001.0] and g.mag.tolist() == [18.0, 18.1] and g.time_system == MJD
    assert (g.vclass, g.subtype, g.period, g.survey) == ("RRLYR", "RRab", 0.55, "ztf")
    assert g.meta == {
        "teff": 6000.0,
        "abs_mag": 0.6,
        "epoch": 60000.1,
        "distance_modulus": 18.48,
        "extinction": 0.0,
        "cadence": "ztf",
        "extrapolated": False,
        "generated": True,
    }
    assert lcs[2].mag_err.tolist() == [0.03, 0.03] and lcs[2].subtype == ""
    # an astropy Table gives the same records; the survey defaults to the cadence column
    same = to_lightcurves(Table(table.to_pandas().to_dict("list")))
    assert [(lc.key, lc.band, lc.time.tolist()) for lc in same] == [(lc.key, lc.band, lc.time.tolist()) for lc in lcs]
    assert to_lightcurves(table.slice(0, 0)) == []
    with pytest.raises(ValueError, match="missing \\['mag_err'\\]"):
        to_lightcurves(table.drop_columns(["mag_err"]))


@pytest.fixture(scope="module")
def model():
    return load_model("default")


def test_generate_returns_records_on_request_and_tables_by_default(model) -> None:
    kwargs = {"period": 0.55, "model": model, "seed": 1, "cadence": "lsst-wfd", "n": 2}
    lcs = varsynth.generate("RRLYR", as_lightcurves=True, **kwargs)
    table = generate_table(StarRequest("RRLYR", period=0.55), n=2, cadence="lsst-wfd", model=model, seed=1)
    assert isinstance(lcs, list) and all(isinstance(lc, LightCurve) for lc in lcs)
    assert {lc.survey for lc in lcs} == {"lsst"} and {lc.star_id for lc in lcs} == set(table["id"])
    for lc in lcs:
        rows = (np.asarray(table["id"]) == lc.star_id) & (np.asarray(table["band"]) == lc.band)
        assert np.array_equal(lc.time, np.asarray(table["time"])[rows]) and 60000 < lc.time.min()
        assert np.array_equal(lc.mag, np.asarray(table["mag"])[rows])
        assert lc.period == pytest.approx(0.55) and lc.meta["generated"]
    assert isinstance(varsynth.generate("RRLYR", **kwargs), Table)  # the default is unchanged
