"""The import layering: the contracts hold, and the package docstring's map matches them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from importlinter import cli as importlinter

import varsynth

ROOT = Path(__file__).resolve().parents[1]


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_import_contracts_are_kept(tmp_path: Path) -> None:
    code = importlinter.lint_imports(
        config_filename=str(ROOT / "pyproject.toml"), cache_dir=str(tmp_path), no_logo=True
    )
    assert code == 0, "an import breaks the layering: run `lint-imports` for the offending chain"


def test_layers_contract_names_every_subpackage() -> None:
    layers = next(c for c in _contracts() if c["type"] == "layers")["layers"]
    named = {name.strip() for layer in layers for name in layer.split("|")}
    package = Path(varsynth.__file__).parent
    modules = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    packages = {p.name for p in package.iterdir() if (p / "__init__.py").exists()}
    assert named == modules | packages


def test_package_docstring_draws_the_contract_layers() -> None:
    layers = next(c for c in _contracts() if c["type"] == "layers")["layers"]
    block = varsynth.__doc__.split("::", 1)[1].split("Quick start", 1)[0]
    drawn = [re.split(r"\s{2,}", line.strip())[0] for line in block.strip().splitlines()]
    assert drawn == layers
