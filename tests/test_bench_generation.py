"""``varsynth bench``'s generation benchmark: both sides timed, every stage of the stream reported."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from varsynth.bench import _interleaved_medians, generation_benchmark
from varsynth.generation.stages import STAGES, lap, recording, restart
from varsynth.training.config import load_train_config

PAPER = Path(__file__).resolve().parents[1] / "configs" / "train" / "pelsvae-paper.yaml"


def test_benchmark_reports_both_sides_and_every_stage():
    out = generation_benchmark("default", load_train_config(PAPER), n=4, epochs=20, n_stream=30, repeats=3)
    assert out["n"] == 4 and out["epochs"] == 20 and out["threads"] >= 1
    assert len(out["load_average"]) == 2 and all(len(x) == 3 for x in out["load_average"])
    d, p = out["default"], out["pelsvae_paper"]
    assert 0 < d["seconds"] and 0 < d["seconds_flow_prior"] and 0 < d["seconds_with_flow_prior"]
    assert out["speedup"] == pytest.approx(p["seconds"] / d["seconds"])
    assert out["speedup_with_flow_prior"] == pytest.approx(p["seconds"] / d["seconds_with_flow_prior"])
    stream = out["stream"]
    assert stream["rows"] == 30 * 20 and stream["file_mb"] > 0 and stream["chunk_size"] == 1000
    assert list(stream["stages"]) == list(STAGES)
    assert math.isclose(sum(v["share"] for v in stream["stages"].values()), 1.0, abs_tol=0.01)
    assert sum(v["seconds"] for v in stream["stages"].values()) <= stream["seconds"] * 1.01 + 0.01
    assert all(v["seconds"] > 0 for v in stream["stages"].values())
    draws = out["cadence_draw_seconds"]  # per cadence, one star's epochs; file-based ones left out
    assert set(draws) == {"ogle3", "lsst-wfd", "ztf", "gaia", "uniform", "random"}
    assert all(0 < v < 1 for v in draws.values())


def test_stage_laps_are_recorded_only_inside_recording():
    lap("flow")  # outside: nothing to record, no error
    with recording() as times:
        restart()
        sum(range(10_000))
        lap("flow")
        lap("decoder")
    lap("flow")
    assert times.seconds["flow"] > 0 and times.seconds["decoder"] >= 0
    assert times.seconds["physics"] == 0.0
    assert sum(times.shares().values()) == pytest.approx(1.0)


def test_interleaved_medians_time_each_function_its_own_number_of_times():
    calls = {"a": 0, "b": 0}

    def bump(name: str):
        return lambda: calls.__setitem__(name, calls[name] + 1)

    med = _interleaved_medians({"a": bump("a"), "b": bump("b")}, {"a": 5, "b": 2}, warmup=1)
    assert calls == {"a": 6, "b": 3} and set(med) == {"a", "b"} and all(v >= 0 for v in med.values())
