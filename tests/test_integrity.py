"""Model integrity: every bundle file is hashed in model.json and checked on loading; generated
epochs are checked finite before they are written."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import torch
from helpers import as_format_1
from safetensors.torch import load_file, save_file

from varsynth.bundle import BundleError, load_bundle, read_manifest, record_files, save_bundle, verify_bundle
from varsynth.cli import main
from varsynth.generation import StarRequest, generate_table, load_model
from varsynth.generation.model import PRETRAINED_DIR
from varsynth.generation.writers import LONG_SCHEMA, LightCurveWriter, NonFiniteOutputError, check_finite
from varsynth.latent.catalog import load_catalog
from varsynth.latent.flow import load_flow, save_flow
from varsynth.models.config import ModelConfig
from varsynth.models.cvae import CVAE
from varsynth.models.flow import FlowConfig, LatentFlow

DEFAULT = PRETRAINED_DIR / "default"
BUNDLE_FILES = sorted(read_manifest(DEFAULT).files())


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A copy of the embedded default bundle that a test may damage."""
    return Path(shutil.copytree(DEFAULT, tmp_path / "bundle"))


def _generate(bundle: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(
        [
            "generate",
            "--class",
            "CEP",
            "--period",
            "5",
            "-n",
            "2",
            "--model",
            str(bundle),
            "-o",
            str(out),
            "--no-progress",
        ]
    )
    return code, capsys.readouterr().err


def _flip(path: Path, n: int = 100) -> None:
    """Invert ``n`` bytes in the second half of the file (a safetensors header stays intact)."""
    data = bytearray(path.read_bytes())
    start = len(data) // 2
    for i in range(start, min(start + n, len(data))):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def test_the_embedded_bundle_records_every_file_and_verifies():
    on_disk = sorted(f.name for f in DEFAULT.iterdir() if f.is_file() and f.name != "model.json")
    assert BUNDLE_FILES == on_disk
    assert {
        "model.safetensors",
        "flow.safetensors",
        "flow.json",
        "catalog.parquet",
        "calibration.json",
        "noise.json",
    } <= set(on_disk)
    verify_bundle(DEFAULT)


@pytest.mark.parametrize("name", BUNDLE_FILES)
def test_flipped_bytes_are_refused_naming_the_file(bundle, tmp_path, capsys, name):
    _flip(bundle / name)
    code, err = _generate(bundle, tmp_path / "out.parquet", capsys)
    assert code != 0
    assert f"{bundle / name} is damaged" in err and "SHA-256 differs" in err, err
    assert "Traceback" not in err and not (tmp_path / "out.parquet").exists()


@pytest.mark.parametrize("name", BUNDLE_FILES)
def test_truncated_files_are_refused_naming_the_file(bundle, tmp_path, capsys, name):
    data = (bundle / name).read_bytes()
    (bundle / name).write_bytes(data[: len(data) // 3])
    code, err = _generate(bundle, tmp_path / "out.parquet", capsys)
    assert code != 0 and f"{bundle / name} is damaged" in err and "truncated" in err, err
    assert "Traceback" not in err and not (tmp_path / "out.parquet").exists()


@pytest.mark.parametrize("name", BUNDLE_FILES)
def test_deleted_files_are_refused_naming_the_file(bundle, tmp_path, capsys, name):
    (bundle / name).unlink()
    code, err = _generate(bundle, tmp_path / "out.parquet", capsys)
    assert code != 0 and f"{bundle / name} is missing" in err and "incomplete" in err, err
    assert "without a flow prior" not in err
    assert "Traceback" not in err and not (tmp_path / "out.parquet").exists()


def test_each_loader_checks_its_own_files(bundle):
    _flip(bundle / "flow.safetensors")
    with pytest.raises(BundleError, match="flow.safetensors is damaged"):
        load_flow(bundle)
    (bundle / "catalog.parquet").unlink()
    with pytest.raises(BundleError, match="catalog.parquet is missing"):
        load_catalog(bundle)


def test_a_real_command_exits_non_zero_without_a_traceback(bundle, tmp_path):
    _flip(bundle / "model.safetensors")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "varsynth.cli",
            "generate",
            "--class",
            "RRLYR",
            "-n",
            "1",
            "--model",
            str(bundle),
            "-o",
            str(tmp_path / "rr.parquet"),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 2, run.stderr
    assert "model.safetensors is damaged" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "rr.parquet").exists()


def test_bundles_without_hashes_load_and_migrate(bundle, capsys):
    as_format_1(bundle, hashes=False)  # format 1, written before the hashes existed
    load_model(bundle)  # loads unchecked
    _flip(bundle / "MODEL_CARD.md")
    load_model(bundle)
    # old bundles still get clear messages for unreadable files
    (bundle / "flow.safetensors").write_bytes(b"\x00" * 10)
    with pytest.raises(BundleError, match="flow.safetensors is corrupted"):
        load_flow(bundle)
    (bundle / "flow.safetensors").write_bytes((DEFAULT / "flow.safetensors").read_bytes())
    (bundle / "catalog.parquet").unlink()
    with pytest.raises(BundleError, match="catalog.parquet is missing: the bundle has a flow prior"):
        load_catalog(bundle)
    shutil.copy(DEFAULT / "catalog.parquet", bundle / "catalog.parquet")
    # migration: `python -m varsynth.bundle migrate FOLDER` records every file, after which it is verified
    from varsynth.bundle.__main__ import main as bundle_main

    assert bundle_main(["migrate", str(bundle)]) == 0 and "migrated from format 1 to 2" in capsys.readouterr().out
    assert sorted(read_manifest(bundle).files()) == BUNDLE_FILES
    load_model(bundle)
    _flip(bundle / "calibration.json")
    with pytest.raises(BundleError, match="calibration.json is damaged"):
        load_model(bundle)
    # `record` accepts the deliberate edit
    assert (
        bundle_main(["record", str(bundle)]) == 0 and f"recorded {len(BUNDLE_FILES)} files" in capsys.readouterr().out
    )
    load_model(bundle)
    assert bundle_main(["record", str(bundle.parent / "absent")]) == 2
    assert "not a varsynth model bundle" in capsys.readouterr().err


def test_writers_record_their_files(tmp_path):
    cfg = ModelConfig(arch="gru", hidden=4, latent_dim=2, physics=("teff", "abs_mag", "period"))
    folder = tmp_path / "b"
    flow = LatentFlow(2, 8, 3, FlowConfig(transforms=1, hidden=8)).eval()
    save_flow(folder, flow, {"epochs": 1})  # as training does: the flow before the network's bundle
    save_bundle(folder, CVAE(cfg))
    files = read_manifest(folder).files()
    assert files == {"flow.json": "flow", "flow.safetensors": "flow", "model.safetensors": "network"}
    load_bundle(folder)
    save_flow(folder, flow, {"epochs": 2})  # rewritten later: its entry follows
    load_flow(folder)
    (folder / "notes.txt").write_text("x")
    assert record_files(folder, ["notes.txt"]) and load_bundle(folder)
    (folder / "notes.txt").unlink()
    with pytest.raises(BundleError, match="notes.txt is missing"):
        load_bundle(folder)
    assert record_files(folder, removed=["notes.txt"]) and load_bundle(folder)
    assert not record_files(tmp_path / "no-bundle", ["x"])


def test_calibration_written_into_a_bundle_is_recorded(bundle):
    from varsynth.bundle import record_if_in_bundle

    (bundle / "calibration.json").write_text('{"n_stars": 1}\n')
    with pytest.raises(BundleError, match="calibration.json is damaged"):
        verify_bundle(bundle)
    assert record_if_in_bundle(bundle / "calibration.json")
    verify_bundle(bundle)


def _nan_decoder(bundle: Path) -> None:
    """Weights that decode to NaN, with their hashes recorded (a consistent but broken bundle)."""
    state = load_file(str(bundle / "model.safetensors"))
    for key, value in state.items():
        if key.startswith("periodic.") and value.is_floating_point():  # the periodic decoder
            state[key] = torch.full_like(value, float("nan"))
    save_file(state, str(bundle / "model.safetensors"))
    record_files(bundle, ["model.safetensors"])


def test_non_finite_output_is_an_error_naming_the_star_never_a_row(bundle, tmp_path, capsys):
    _nan_decoder(bundle)
    code, err = _generate(bundle, tmp_path / "out.csv", capsys)
    assert code != 0 and "light curve 'CEP-0-0000000'" in err and "not a finite number" in err, err
    assert not (tmp_path / "out.csv").exists() and not list(tmp_path.glob(".out.csv*"))
    with pytest.raises(NonFiniteOutputError, match="CEP-0-0000000"):
        generate_table(StarRequest("CEP", period=5.0), model=load_model(bundle))


def test_check_finite_known_answers(tmp_path):
    rows = {f.name: [] for f in LONG_SCHEMA}
    for star, mag in (("a", 15.0), ("a", 15.1), ("b", np.inf), ("b", np.nan), ("c", 14.0)):
        for f in LONG_SCHEMA:
            rows[f.name].append(
                {
                    "id": star,
                    "mag": mag,
                    "band": "I",
                    "vclass": "CEP",
                    "subtype": "",
                    "cadence": "x",
                    "extrapolated": False,
                }.get(f.name, 1.0)
            )
    table = pa.Table.from_pydict(rows, schema=LONG_SCHEMA)
    with pytest.raises(NonFiniteOutputError, match=r"light curve 'b': mag is inf .*2 values in 1 light curve"):
        check_finite(table)
    assert check_finite(table.slice(0, 2)) is not None
    assert check_finite(table, columns=("time",)).num_rows == 5
    with pytest.raises(NonFiniteOutputError), LightCurveWriter(tmp_path / "x.parquet", finite=("mag",)) as writer:
        writer.write(table.slice(0, 2))
        writer.write(table)
    assert not (tmp_path / "x.parquet").exists()
    with LightCurveWriter(tmp_path / "y.parquet") as writer:  # without `finite`, any float is written
        writer.write(table)
    assert (tmp_path / "y.parquet").exists()
