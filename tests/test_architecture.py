"""The import layering: the contracts hold, and the package docstring's map matches them."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import varsynth

ROOT = Path(__file__).resolve().parents[1]


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_import_contracts_are_kept(tmp_path: Path) -> None:
    # in a subprocess: import-linter configures logging (it disables the loggers that exist),
    # which would silence the log records later tests of this session check
    code = (
        "import sys; from importlinter.cli import lint_imports; "
        f"sys.exit(lint_imports(config_filename={str(ROOT / 'pyproject.toml')!r}, cache_dir={str(tmp_path)!r}, "
        "no_logo=True))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"an import breaks the layering:\n{done.stdout}\n{done.stderr}"


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
