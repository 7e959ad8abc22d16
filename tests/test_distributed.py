"""Distributed generation into a partitioned Parquet dataset (varsynth.generation.distributed).

Every cluster here is a real ``distributed.LocalCluster`` started by the test (threads in this
process, one per worker; the command line's ``--workers`` starts worker processes).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import distributed
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from varsynth.cli import main
from varsynth.config import ConfigError
from varsynth.generation import StarRequest, iter_generate
from varsynth.generation.distributed import (
    MANIFEST,
    partition_seed,
    plan_partitions,
    write_lightcurves_dataset,
    write_training_set_dataset,
)
from varsynth.taxonomy import CLASSES

SRC = Path(__file__).resolve().parents[1] / "src"
#: a small set: two classes, 70 stars each, partitions of 25 (3 per class, the last of 20)
SMALL = {"per_class": 70, "classes": ["RRLYR", "CEP"], "cadence": "gaia", "seed": 7, "partition_size": 25}


def _cluster(workers: int, **kwargs):
    return distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=":0", **kwargs
    )


def _files(root: Path) -> dict[str, bytes]:
    """Every file of a dataset (partitions, metadata, manifest) by relative path."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small_datasets(tmp_path_factory):
    """The SMALL training set written with 1 worker and with 3 workers."""
    out = {}
    for workers in (1, 3):
        root = tmp_path_factory.mktemp(f"w{workers}") / "set"
        with _cluster(workers) as cluster, distributed.Client(cluster) as client:
            report = write_training_set_dataset(root, client=client, **SMALL)
            assert len(client.scheduler_info()["workers"]) == workers
        out[workers] = (root, report)
    return out


def test_partition_seeds_are_the_children_of_the_class_stream():
    for vclass in ("RRLYR", "LPV"):
        parent = np.random.SeedSequence(11, spawn_key=(CLASSES.index(vclass),))
        for i, child in enumerate(parent.spawn(4)):
            state = child.generate_state(2, np.uint32)
            assert partition_seed(11, vclass, i) == (int(state[0]) << 31) ^ int(state[1])
    seeds = {partition_seed(s, c, i) for s in (0, 1) for c in CLASSES for i in range(50)}
    assert len(seeds) == 2 * len(CLASSES) * 50  # no two partitions share a stream


def test_plan_cuts_each_class_into_partitions():
    parts = plan_partitions([(StarRequest("RRLYR"), 70), (StarRequest("CEP"), 25)], 25, seed=3)
    assert [(p.request.vclass, p.index, p.start, p.stars) for p in parts] == [
        ("RRLYR", 0, 0, 25),
        ("RRLYR", 1, 25, 25),
        ("RRLYR", 2, 50, 20),
        ("CEP", 0, 0, 25),
    ]
    assert parts[2].path == "class=RRLYR/part-00002.parquet"
    with pytest.raises(ConfigError, match="partition_size"):
        plan_partitions([(StarRequest("RRLYR"), 5)], 0, seed=3)


def test_dataset_bytes_do_not_depend_on_the_number_of_workers(small_datasets):
    (one, report1), (three, report3) = small_datasets[1], small_datasets[3]
    files1, files3 = _files(one), _files(three)
    parts = sorted(k for k in files1 if k.endswith(".parquet"))
    assert parts == [f"class={c}/part-0000{i}.parquet" for c in ("CEP", "RRLYR") for i in range(3)]
    assert files1 == files3  # every partition, _metadata, _common_metadata and the manifest
    assert {"_metadata", "_common_metadata", MANIFEST} <= set(files1)
    assert report1["stars"] == report3["stars"] == 140 and report1["rows"] == report3["rows"] > 140
    assert report1["generated"] == 6 and report1["kept"] == 0


def test_each_partition_is_the_engine_output_of_its_own_seed(small_datasets):
    root, _ = small_datasets[1]
    part = pq.read_table(root / "class=CEP/part-00001.parquet")
    seed = partition_seed(SMALL["seed"], "CEP", 1)
    expected = pa.concat_tables(
        iter_generate(StarRequest("CEP"), n=25, cadence="gaia", seed=seed, id_prefix="", fallback_mean_mag=(15.0, 19.0))
    )
    for name in expected.column_names:
        if name != "id":
            assert part[name].equals(expected[name]), name
    local = np.asarray(pc.cast(expected["id"], pa.int64()))
    assert part["id"].to_pylist() == [f"CEP-7-{25 + k:07d}" for k in local]  # stars 25..49 of the class


def test_pandas_pyarrow_and_dask_read_the_same_rows(small_datasets):
    import dask.dataframe as dd
    import pandas as pd
    import pyarrow.dataset as pads

    root, report = small_datasets[1]
    table = pads.dataset(root, format="parquet", partitioning="hive").to_table()
    by_pandas = pd.read_parquet(root)
    by_dask = dd.read_parquet(root).compute()
    assert table.num_rows == len(by_pandas) == len(by_dask) == report["rows"]
    key = ["id", "time", "band"]
    frames = [
        f.assign(**{"class": f["class"].astype(str)}).sort_values(key).reset_index(drop=True)
        for f in (table.to_pandas(), by_pandas, by_dask)
    ]
    pd.testing.assert_frame_equal(frames[0], frames[1], check_categorical=False, check_dtype=False, check_exact=True)
    pd.testing.assert_frame_equal(frames[0], frames[2], check_categorical=False, check_dtype=False, check_exact=True)
    assert (frames[0]["class"] == frames[0]["vclass"]).all()  # the hive column names each row's class
    assert frames[0].groupby("class")["id"].nunique().to_dict() == {"CEP": 70, "RRLYR": 70}
    meta = pq.read_metadata(root / "_metadata")
    assert meta.num_rows == report["rows"] and meta.num_row_groups == 6
    assert json.loads(pq.read_schema(root / "_common_metadata").metadata[b"varsynth.meta"])["seed"] == 7


def test_rerun_keeps_verified_partitions_and_redoes_damaged_ones(tmp_path, small_datasets):
    reference, _ = small_datasets[1]
    root = tmp_path / "set"
    with _cluster(2) as cluster, distributed.Client(cluster) as client:
        write_training_set_dataset(root, client=client, **SMALL)
        damaged = root / "class=RRLYR/part-00001.parquet"
        damaged.write_bytes(damaged.read_bytes()[:-10] + b"0123456789")  # same size, other bytes
        (root / "class=CEP/part-00002.parquet").unlink()
        report = write_training_set_dataset(root, client=client, **SMALL)
        assert (report["kept"], report["generated"]) == (4, 2)
        assert _files(root) == _files(reference)
        with pytest.raises(ConfigError, match="other settings.*seed"):
            write_training_set_dataset(root, client=client, **{**SMALL, "seed": 8})


def _manifest_parts(root: Path) -> dict:
    try:
        return json.loads((root / MANIFEST).read_text())["partitions"]
    except (FileNotFoundError, ValueError, KeyError):
        return {}


def test_a_killed_run_resumes_where_it_stopped(tmp_path, capsys):
    """SIGKILL the command (and its worker process) after some partitions, then run it again.

    Partitions of 1,000 stars (about a second each): long enough that the manifest (rewritten at most once a second)
    records some of the 16 before the last one is done."""
    root = tmp_path / "set"
    args = [
        "training-set",
        "--per-class",
        "8000",
        "--classes",
        "RRLYR",
        "CEP",
        "--cadence",
        "gaia",
        "--seed",
        "7",
        "--partition-size",
        "1000",
        "--no-progress",
        "-o",
        str(root),
    ]
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "varsynth.cli", *args, "--workers", "1"],
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 240
    while len(_manifest_parts(root)) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the command and its Dask worker processes
    output = proc.communicate()[0].decode()
    while time.monotonic() < deadline:  # until the killed workers are reaped, not merely signalled
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    assert proc.returncode == -signal.SIGKILL, output
    recorded = _manifest_parts(root)
    visible = sorted(str(p.relative_to(root)) for p in root.rglob("part-*.parquet"))
    assert 3 <= len(recorded) < 16 and set(recorded) <= set(visible)
    for rel in visible:  # renamed only when complete: every visible partition reads whole
        assert pq.read_metadata(root / rel).num_rows > 0
    assert not (root / "_metadata").exists()
    kept = {rel: (root / rel).read_bytes() for rel in recorded}

    with _cluster(1, protocol="tcp") as cluster:  # the rest on a running cluster (--scheduler)
        assert main([*args, "--scheduler", cluster.scheduler_address]) == 0
    assert f"({16 - len(recorded)} generated, {len(recorded)} kept from an earlier run)" in capsys.readouterr().out
    assert all((root / rel).read_bytes() == data for rel, data in kept.items())
    assert not [p for p in root.rglob(".*") if p.is_file()]  # no temporary file left
    assert len(_manifest_parts(root)) == 16
    with _cluster(1) as cluster, distributed.Client(cluster) as client:  # the same run, never interrupted
        write_training_set_dataset(
            tmp_path / "whole", client=client, **{**SMALL, "per_class": 8000, "partition_size": 1000}
        )
    assert _files(root) == _files(tmp_path / "whole")


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--workers", "2", "-o", "{tmp}/x.csv"], "not a csv file"),
        (["--workers", "2", "--format", "hdf5", "-o", "{tmp}/set"], "format 'hdf5'"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:8786", "-o", "{tmp}/set"], "give one of them"),
        (["--workers", "0", "-o", "{tmp}/set"], "workers (--workers) must be >= 1"),
        (["--partition-size", "10", "-o", "{tmp}/set"], "give --workers or --scheduler too"),
        (["--workers", "1", "--partition-size", "0", "-o", "{tmp}/set"], "partition_size (--partition-size) must be"),
        (["--workers", "1", "-o", "{tmp}/other"], "holding other files"),
        (["--workers", "1", "-o", "{tmp}/file.parquet"], "is a file"),
        (["--workers", "1", "--plot", "{tmp}/p.jpg", "-o", "{tmp}/set"], "PNG"),
    ],
)
def test_command_refuses_conflicts_before_the_work(tmp_path, capsys, monkeypatch, extra, message):
    def started(*args, **kwargs):
        raise AssertionError("a cluster or the model was started before the checks")

    import varsynth.generation.distributed as dist

    for module, name in ((distributed, "LocalCluster"), (distributed, "Client"), (dist, "_model")):
        monkeypatch.setattr(module, name, started)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    (tmp_path / "file.parquet").write_bytes(b"PAR1")
    argv = ["generate", "--class", "RRLYR", "-n", "10", "--no-progress", *[a.format(tmp=tmp_path) for a in extra]]
    assert main(argv) == 2  # an AssertionError from started() would give 1
    err = capsys.readouterr().err
    assert err.startswith("varsynth: error: ") and err.count("\n") == 1 and message in err
    assert not (tmp_path / "set").exists() and (tmp_path / "other" / "notes.txt").read_text() == "mine"


def test_generate_numbers_stars_across_partitions(tmp_path):
    with _cluster(2) as cluster, distributed.Client(cluster) as client:
        report = write_lightcurves_dataset(
            tmp_path / "rr",
            StarRequest("RRLYR", period=0.55),
            n=45,
            client=client,
            cadence="gaia",
            seed=2,
            partition_size=20,
            plot=tmp_path / "rr.png",
        )
    ids = pq.read_table(tmp_path / "rr", columns=["id"])["id"]
    assert report["partitions"] == 3 and report["stars"] == 45
    assert sorted(set(ids.to_pylist())) == [f"RRLYR-2-{k:07d}" for k in range(45)]
    assert np.allclose(pq.read_table(tmp_path / "rr", columns=["period"])["period"].to_numpy(), 0.55)
    assert Path(report["plot"]).stat().st_size > 0


def test_a_scheduler_that_does_not_answer_is_refused(monkeypatch):
    import varsynth.generation.distributed as dist

    monkeypatch.setattr(dist, "_CONNECT_SECONDS", 1)
    answered = r"scheduler \(--scheduler\) tcp://127.0.0.1:1: no Dask scheduler answered"
    with pytest.raises(ConfigError, match=answered), dist.dask_client(scheduler="tcp://127.0.0.1:1"):
        pass
    with pytest.raises(ConfigError, match="give one of workers"), dist.dask_client(2, "tcp://127.0.0.1:1"):
        pass
