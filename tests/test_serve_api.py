"""The HTTP API of ``varsynth serve``, through the real server (uvicorn on a loopback port)."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time

import numpy as np
import pyarrow.parquet as pq
import pytest

httpx = pytest.importorskip("httpx")


def _post(url: str, path: str, body: dict, **kw) -> httpx.Response:
    return httpx.post(url + path, json=body, timeout=120, **kw)


def test_health_openapi_model_and_cadences(served):
    url, _ = served
    assert httpx.get(url + "/health").json()["status"] == "ok"
    paths = httpx.get(url + "/openapi.json").json()["paths"]
    for path in ("/health", "/api/model", "/api/cadences", "/api/generate", "/api/infer", "/api/reference/{vclass}"):
        assert path in paths
    info = httpx.get(url + "/api/model").json()
    lo, hi = info["classes"]["RRLYR"]["ranges"]["period"]
    assert 0.1 < lo < 0.4 and 0.7 < hi < 1.2  # days
    assert "RRab" in info["classes"]["RRLYR"]["subtypes"]
    cadences = {c["name"]: c for c in httpx.get(url + "/api/cadences").json()}
    assert cadences["ogle3"]["bands"] == ["I", "V"] and not cadences["file"]["served"]
    ref = httpx.get(url + "/api/reference/RRLYR").json()
    assert len(ref["fourier"]["rows"]) > 100 and len(ref["physics"]["rows"]) > 100
    assert httpx.get(url + "/api/reference/NOPE").status_code == 404
    assert httpx.get(url + "/").text.count("/static/vendor/uPlot") == 2  # no CDN
    assert httpx.get(url + "/docs").status_code == 404  # FastAPI's page would load scripts from a CDN


def test_generate_json_is_the_python_api(served, default_model):
    from varsynth.generation import StarRequest
    from varsynth.generation.engine import generate_table

    url, _ = served
    body = {"vclass": "RRLYR", "period": 0.55, "n": 3, "seed": 1, "cadence": "ogle3"}
    data = _post(url, "/api/generate", body).json()
    assert len(data["stars"]) == 3 and all(s["period"] == pytest.approx(0.55) for s in data["stars"])
    assert (
        data["command"]
        == "varsynth generate --class RRLYR --period 0.55 -n 3 --cadence ogle3 --seed 1 -o rrlyr.parquet"
    )
    assert data["python"] == "varsynth.generate('RRLYR', n=3, period=0.55, cadence='ogle3', seed=1)"
    table = generate_table(StarRequest("RRLYR", period=0.55), n=3, seed=1, cadence="ogle3", model=default_model)
    first = table[table["id"] == data["stars"][0]["id"]]
    first_i = first[first["band"] == "I"]
    np.testing.assert_allclose(data["stars"][0]["bands"]["I"]["mag"], np.asarray(first_i["mag"]), atol=1e-4)
    assert data["stars"][0]["fourier"]["band"] == "I" and 0 < data["stars"][0]["fourier"]["amplitude"] < 3


def test_streamed_parquet_csv_ecsv_read_back(served, tmp_path):
    from varsynth.generation.writers import read_table

    url, _ = served
    body = {"vclass": "CEP", "n": 600, "seed": 2, "cadence": "ogle3", "format": "parquet"}
    with httpx.stream("POST", url + "/api/generate", json=body, timeout=120) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.apache.parquet")
        data = b"".join(r.iter_bytes())
    table = pq.read_table(io.BytesIO(data))
    assert len(set(table["id"].to_pylist())) == 600 and table.num_rows > 600 * 100
    for fmt in ("csv", "ecsv"):
        r = _post(url, "/api/generate", {**body, "n": 5, "format": fmt})
        assert r.status_code == 200
        path = tmp_path / f"x.{fmt}"
        path.write_bytes(r.content)
        back = read_table(path)
        assert len(set(back["id"])) == 5 and set(back["band"]) == {"I", "V"}


@pytest.mark.parametrize(
    "body, field",
    [
        ({"vclass": "RRLYR", "teff": -5}, "teff"),
        ({"vclass": "RRLYR", "period": 30}, "period"),
        ({"vclass": "NOPE"}, "vclass"),
        ({"vclass": "RRLYR", "subtype": "F"}, "subtype"),
        ({"vclass": "RRLYR", "cadence": "file", "cadence_options": {"path": "/etc/passwd"}}, "cadence"),
        ({"vclass": "RRLYR", "cadence": "uniform", "cadence_options": {"n_epochs": 0}}, "cadence_options"),
        ({"vclass": "RRLYR", "bands": ["Q"]}, "bands"),
        ({"vclass": "RRLYR", "teff": "hot"}, "teff"),
        ({"vclass": "RRLYR", "n": 0}, "n"),
        ({"vclass": "RRLYR", "colour": 1}, "colour"),
    ],
)
def test_bad_input_is_422_naming_the_field(served, body, field):
    url, _ = served
    r = _post(url, "/api/generate", body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and r.json()["detail"]


def test_limits_are_413(served):
    url, _ = served
    r = _post(url, "/api/generate", {"vclass": "RRLYR", "n": 1000})
    assert r.status_code == 413 and r.json()["field"] == "n" and "streamed" in r.json()["detail"]
    r = _post(url, "/api/generate", {"vclass": "RRLYR", "n": 10**6, "format": "parquet"})
    assert r.status_code == 413 and r.json()["field"] == "n"
    r = httpx.post(
        url + "/api/infer",
        content=b"[" + b"1.0," * 2_000_000 + b"1]",
        headers={"content-type": "application/json"},
        timeout=60,
    )
    assert r.status_code == 413 and r.json()["field"] == "body"


def test_a_stream_leaves_the_service_responsive(served):
    url, _ = served
    done = []
    body = {"vclass": "RRLYR", "n": 800, "cadence": "ogle3", "format": "parquet"}
    worker = threading.Thread(target=lambda: done.append(_post(url, "/api/generate", body).status_code))
    worker.start()
    time.sleep(0.5)
    start = time.perf_counter()
    assert httpx.get(url + "/health", timeout=10).status_code == 200
    assert time.perf_counter() - start < 1.0
    worker.join(120)
    assert done == [200]


@pytest.mark.shared_data
def test_infer_a_real_ogle_cepheid(served, shared_data):
    url, log_path = served
    rows = np.loadtxt(shared_data / "ogle3-lmc-cep" / "phot" / "I" / "OGLE-LMC-CEP-0936.dat")
    body = {
        "time": rows[:, 0].tolist(),
        "mag": rows[:, 1].tolist(),
        "mag_err": rows[:, 2].tolist(),
        "survey": "ogle3",
        "band": "I",
        "candidates": 300,
    }
    post = _post(url, "/api/infer", body).json()
    assert post["best_class"] == "CEP" and sum(post["class_probabilities"].values()) == pytest.approx(1.0)
    assert len(post["quantiles"]["period"]) == 5
    bad = _post(url, "/api/infer", {**body, "mag_err": [0.0] * len(rows)})
    assert bad.status_code == 422 and bad.json()["field"] == "mag_err"
    assert _post(url, "/api/infer", {**body, "band": "Q"}).json()["field"] == "band"
    assert "POST /api/infer 200" in log_path.read_text()  # one log line per request
    path = shared_data / "ogle3-lmc-cep" / "phot" / "I" / "OGLE-LMC-CEP-0936.dat"
    r = httpx.post(
        url + "/api/infer/file", params={"name": path.name, "candidates": 300}, content=path.read_bytes(), timeout=120
    )
    assert r.status_code == 200 and r.json()["best_class"] == "CEP" and r.json()["input"]["rows"] == len(rows)
    r = httpx.post(url + "/api/infer/file", params={"name": "star.csv"}, content=b"just words\n", timeout=60)
    assert r.status_code == 422 and r.json()["detail"]


def test_serve_without_the_extra_says_how_to_install():
    code = "import sys; sys.modules['fastapi'] = None; from varsynth.cli import main; sys.exit(main(['serve']))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "varsynth: error: varsynth serve needs the 'serve' extra: pip install 'varsynth[serve]' (fastapi and uvicorn)"
    ]
