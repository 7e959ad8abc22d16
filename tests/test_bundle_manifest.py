"""The bundle manifest (format 2): one versioned entry per component, format 1 migrated, newer
formats and missing components refused by name."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import as_format_1

from varsynth.bundle import (
    BUNDLE_FORMAT_VERSION,
    COMPONENTS,
    BundleError,
    component_of,
    load_bundle,
    migrate,
    read_manifest,
    record_files,
    write_component,
)
from varsynth.bundle.__main__ import main as bundle_main
from varsynth.cli import main
from varsynth.config import ConfigError
from varsynth.generation import StarRequest, generate_table, load_model
from varsynth.generation.model import PRETRAINED_DIR
from varsynth.latent.catalog import load_catalog
from varsynth.latent.flow import load_flow
from varsynth.training.config import TrainConfig

DEFAULT = PRETRAINED_DIR / "default"
#: Files whose bytes a migration never changes.
KEPT = ("model.safetensors", "flow.safetensors", "flow.json", "catalog.parquet", "calibration.json", "card.json")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A copy of the embedded default bundle that a test may change."""
    return Path(shutil.copytree(DEFAULT, tmp_path / "bundle"))


def _edit(bundle: Path, change) -> None:
    info = json.loads((bundle / "model.json").read_text())
    change(info)
    (bundle / "model.json").write_text(json.dumps(info))


def _curves(model) -> np.ndarray:
    table = generate_table(StarRequest("RRLYR", period=0.55), n=3, cadence="ogle3", seed=5, model=model)
    return np.column_stack([np.asarray(table[c], dtype=float) for c in ("time", "mag", "mag_err", "teff", "abs_mag")])


def test_the_embedded_bundle_is_of_format_2_with_every_component():
    manifest = read_manifest(DEFAULT)
    assert manifest.read_version == BUNDLE_FORMAT_VERSION == 2
    assert set(manifest.components) == {"network", "flow", "catalog", "noise", "calibration", "card"}
    assert manifest.files()["flow.safetensors"] == "flow" and manifest.files()["noise.json"] == "noise"
    assert all(c.format_version == 1 and c.kind == COMPONENTS[n].kind for n, c in manifest.components.items())
    assert manifest.data_id == "88768ad23805407b" == manifest.fit["dataset_id"]
    assert manifest.network_config["arch"] == "fourier" and "noise" not in manifest.fit
    # every file of the folder is listed, each in one component
    assert sorted(manifest.files()) == sorted(f.name for f in DEFAULT.iterdir() if f.name != "model.json")


def test_format_1_is_read_in_memory_and_migrated_without_changing_other_bytes(bundle, default_model, caplog):
    as_format_1(bundle)
    # the layout varsynth wrote before format 2 (`as_format_1` gave back the shipped format-1 file byte for
    # byte while that bundle was embedded, until 2026-12-04): network config on top, the rest under metadata
    v1 = json.loads((bundle / "model.json").read_text())
    assert v1["format_version"] == 1 and "components" not in v1 and not (bundle / "noise.json").exists()
    assert v1["config"] == read_manifest(DEFAULT).components["network"].config
    assert v1["metadata"]["fit"]["noise"] == json.loads((DEFAULT / "noise.json").read_text())
    kept = {name: _sha(bundle / name) for name in KEPT}
    with caplog.at_level(logging.WARNING, logger="varsynth.bundle.manifest"):
        old = read_manifest(bundle)
    assert old.read_version == 1 and "format 1" in caplog.text and f"migrate {bundle}" in caplog.text
    assert set(old.components) == set(read_manifest(DEFAULT).components) and list(old.pending) == ["noise.json"]
    assert old.metadata == default_model.metadata  # the noise record back under fit, as format 1 held it
    np.testing.assert_array_equal(_curves(load_model(bundle)), _curves(default_model))

    assert bundle_main(["migrate", str(bundle)]) == 0
    # the migration gives back the embedded manifest and noise record byte for byte; nothing else changed
    assert (bundle / "model.json").read_bytes() == (DEFAULT / "model.json").read_bytes()
    assert (bundle / "noise.json").read_bytes() == (DEFAULT / "noise.json").read_bytes()
    assert {name: _sha(bundle / name) for name in KEPT} == kept
    assert read_manifest(bundle).read_version == 2
    np.testing.assert_array_equal(_curves(load_model(bundle)), _curves(default_model))
    assert not list(bundle.glob(".*")), "no temporary file left behind"


def test_migrate_cli_says_what_it_did(bundle, capsys):
    as_format_1(bundle)
    assert bundle_main(["migrate", str(bundle)]) == 0
    assert "migrated from format 1 to 2" in capsys.readouterr().out
    assert bundle_main(["migrate", str(bundle)]) == 0
    assert "already of format 2" in capsys.readouterr().out
    assert bundle_main(["show", str(bundle)]) == 0
    out = capsys.readouterr().out
    assert "format 2, trained on dataset 88768ad23805407b" in out and "flow: varsynth-latent-flow format 1" in out
    assert bundle_main(["migrate"]) == 2 and "usage" in capsys.readouterr().err


def test_a_damaged_format_1_bundle_is_not_migrated(bundle, capsys):
    as_format_1(bundle)
    before = (bundle / "model.json").read_bytes()
    data = bytearray((bundle / "flow.safetensors").read_bytes())
    data[-10] ^= 0xFF
    (bundle / "flow.safetensors").write_bytes(bytes(data))
    assert bundle_main(["migrate", str(bundle)]) == 2
    assert "flow.safetensors is damaged" in capsys.readouterr().err
    assert (bundle / "model.json").read_bytes() == before and not (bundle / "noise.json").exists()


def test_format_1_without_hashes_loads_unchecked_and_migrates_hashing_every_file(bundle):
    as_format_1(bundle, hashes=False)
    assert read_manifest(bundle).components["flow"].files == {"flow.json": None, "flow.safetensors": None}
    (bundle / "MODEL_CARD.md").write_text("edited\n")  # not recorded: not checked
    load_model(bundle)
    assert migrate(bundle) == 1
    files = read_manifest(bundle).components["card"].files
    assert files["MODEL_CARD.md"] == {"bytes": 7, "sha256": hashlib.sha256(b"edited\n").hexdigest()}
    load_model(bundle)


def test_a_newer_bundle_format_is_refused_naming_it(bundle, tmp_path, capsys):
    _edit(bundle, lambda info: info.update(format_version=3))
    with pytest.raises(BundleError, match="bundle format 3 is newer than this varsynth reads"):
        load_model(bundle)
    code = main(["generate", "--class", "CEP", "-n", "1", "--model", str(bundle), "-o", str(tmp_path / "o.csv")])
    assert code == 2 and "bundle format 3 is newer" in capsys.readouterr().err
    _edit(bundle, lambda info: info.update(format_version="2b"))
    with pytest.raises(BundleError, match="bundle format '2b' is not supported"):
        read_manifest(bundle)


def test_a_component_of_a_newer_format_is_refused_naming_it(bundle):
    _edit(bundle, lambda info: info["components"]["flow"].update(format_version=2))
    with pytest.raises(BundleError, match="its flow component has format 2; this varsynth reads formats 1 to 1"):
        load_flow(bundle)
    _edit(bundle, lambda info: info["components"]["flow"].update(format_version=1, kind="someone-elses-flow"))
    with pytest.raises(BundleError, match="flow component is of kind 'someone-elses-flow'"):
        load_model(bundle)


def test_missing_components_are_named(bundle):
    _edit(bundle, lambda info: info["components"].pop("catalog"))
    (bundle / "catalog.parquet").unlink()
    with pytest.raises(BundleError, match="the bundle has a flow prior, which needs its catalog component"):
        load_model(bundle)
    _edit(bundle, lambda info: info["components"].pop("flow"))
    with pytest.raises(ConfigError, match="has no flow prior"):
        load_model(bundle)
    with pytest.raises(ConfigError, match="has no physics catalog"):
        load_catalog(bundle)
    (bundle / "flow.json").unlink()  # a listed file: named with its component
    _edit(
        bundle,
        lambda info: info["components"].update(
            flow={
                "kind": "varsynth-latent-flow",
                "format_version": 1,
                "files": {"flow.json": {"bytes": 1, "sha256": "0"}},
            }
        ),
    )
    with pytest.raises(BundleError, match=r"flow.json is missing: .* part of the bundle's flow component"):
        load_flow(bundle)
    _edit(bundle, lambda info: info["components"].pop("network"))
    with pytest.raises(BundleError, match="network component .* is missing"):
        load_bundle(bundle)


def test_one_accessor_for_the_training_config(default_model):
    cfg = TrainConfig.of_model(default_model.metadata)
    assert cfg.name == "default" and cfg.model.arch == "fourier" and cfg.flow is not None
    got = cfg.to_dict()
    assert got["model"]["prior"] == "standard" and got["flow"]["inverse_autoregressive"] is True
    recorded = read_manifest(DEFAULT).train_config
    # every recorded setting reads back unchanged; settings added since the bundle was written
    # read as their defaults (None: the behaviour the bundle was trained and measured with)
    for section, values in got.items():
        if not isinstance(values, dict):
            assert values == recorded[section], section
            continue
        for key, value in values.items():
            assert value == recorded[section].get(key, value if value is None else object()), f"{section}.{key}"
    assert set(recorded) <= set(got) and all(set(v) <= set(got[k]) for k, v in recorded.items() if isinstance(v, dict))
    with pytest.raises(BundleError, match="records no training config"):
        TrainConfig.of_model({"fit": {}})


def test_writers_keep_each_file_in_its_component(bundle):
    assert component_of("regressor-rf.skops") == "regressors" and component_of("notes.txt") == "other"
    with pytest.raises(ValueError, match=r"\['notes.txt'\] are not files of a bundle's 'card' component"):
        write_component(bundle, "card", {"notes.txt": "x"})
    (bundle / "notes.txt").write_text("mine\n")
    assert record_files(bundle, ["notes.txt"])
    manifest = read_manifest(bundle)
    assert manifest.components["other"].files["notes.txt"]["bytes"] == 5
    # a component is written whole: a file of its earlier version that is not rewritten goes
    write_component(bundle, "regressors", {"regressor-rf.skops": b"1", "regressors.json": {"a": 1}})
    write_component(bundle, "regressors", {"regressors.json": {"a": 2}})
    assert not (bundle / "regressor-rf.skops").exists()
    assert list(read_manifest(bundle).components["regressors"].files) == ["regressors.json"]
    assert json.loads((bundle / "regressors.json").read_text()) == {"a": 2}
    load_bundle(bundle)  # every recorded file verifies
