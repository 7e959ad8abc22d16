"""Reading and writing the files of a bundle's components: the one place that knows their formats.

A component's files are written by :func:`write_component` (each atomically, then recorded in
the manifest) and read through :func:`open_component`, which checks the component's kind and
format version and verifies its files' SHA-256 before anything is parsed. The file format follows
from the name: ``.json`` (indented JSON), ``.safetensors`` (tensors only, so that loading never
runs code), ``.parquet`` (zstd), ``.md`` (text); ``bytes`` are written as they are (the
regressors' skops files, serialised by their module). The typed objects (the flow, the catalog,
the regressors) are built from these by their own modules in :mod:`varsynth.latent`.

A folder without ``model.json`` is a bundle being written (training writes the flow prior and the
catalog before the network): its component files are read unverified, and written without
recording; ``save_bundle`` then records every file present.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from varsynth.atomic import atomic_write
from varsynth.bundle.manifest import (
    COMPONENTS,
    MANIFEST,
    BundleError,
    Component,
    Manifest,
    check_component,
    json_bytes,
    read_manifest,
    set_files,
    verify_bundle,
    write_manifest,
)

__all__ = ["ComponentFiles", "open_component", "has_component", "write_component", "write_files"]


def _writer(name: str, payload: Any) -> Callable[[Path], object]:
    """How file ``name`` is written from ``payload`` (by its suffix; ``bytes`` as they are)."""
    if isinstance(payload, bytes):
        return lambda tmp: tmp.write_bytes(payload)
    suffix = Path(name).suffix
    if suffix == ".json":
        data = json_bytes(payload)
        return lambda tmp: tmp.write_bytes(data)
    if suffix == ".safetensors":
        tensors = {k: v.detach().contiguous().cpu() for k, v in payload.items()}
        return lambda tmp: save_file(tensors, str(tmp))
    if suffix == ".parquet":  # as varsynth.data.io.write_parquet: the same table gives the same bytes
        return lambda tmp: pq.write_table(payload, tmp, compression="zstd")
    if suffix in (".md", ".txt"):
        return lambda tmp: tmp.write_text(payload)
    raise TypeError(f"no bundle file format for {name!r} (a {type(payload).__name__})")


def write_files(folder: str | Path, files: Mapping[str, Any]) -> None:
    """Write bundle files ``{name: payload}`` into ``folder``, each atomically, without recording them."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, payload in files.items():
        atomic_write(folder / name, _writer(name, payload))


def _claimed(folder: Path, name: str) -> list[str]:
    """Files in ``folder`` that belong to component ``name`` by their names."""
    spec = COMPONENTS[name]
    if not folder.is_dir():
        return []
    return sorted(f.name for f in folder.iterdir() if f.is_file() and f.name != MANIFEST and spec.claims(f.name))


def write_component(bundle_dir: str | Path, name: str, files: Mapping[str, Any]) -> Path:
    """Write component ``name`` whole: its files ``{file name: payload}`` atomically, then its
    entry in ``model.json`` (when the folder has one yet), in the format version this varsynth
    writes. Files of the component that ``files`` does not hold (of an earlier version, e.g.
    regressors no longer fitted) are removed.

    Raises:
        ValueError: a file name that is not one of the component's (:data:`COMPONENTS`).
    """
    folder = Path(bundle_dir)
    spec = COMPONENTS[name]
    foreign = [f for f in files if name == "other" or not spec.claims(f)]
    if foreign:
        raise ValueError(f"{foreign} are not files of a bundle's {name!r} component")
    write_files(folder, files)
    manifest = read_manifest(folder) if (folder / MANIFEST).is_file() else None
    old = manifest.components.get(name) if manifest is not None else None
    stale = sorted(((set(old.files) if old else set()) | set(_claimed(folder, name))) - set(files))
    for f in stale:
        (folder / f).unlink(missing_ok=True)
    if manifest is not None:
        manifest.components[name] = Component(spec.kind, spec.format_version, config=old.config if old else None)
        set_files(manifest, list(files), removed=stale)
        write_manifest(manifest)
    return folder


@dataclass(frozen=True)
class ComponentFiles:
    """The files of one component of a bundle, checked, to be parsed by its module.

    Attributes:
        folder: the bundle folder.
        name: the component's name.
        format_version: the format of its files (the modules reading it may branch on it).
        names: its files (those the manifest lists; without a manifest, those present).
        manifest: the bundle's manifest (``None`` for a folder being written).
    """

    folder: Path
    name: str
    format_version: int
    names: tuple[str, ...]
    manifest: Manifest | None

    def path(self, file: str) -> Path:
        """Path of file ``file`` of the component (e.g. for a reader of its own)."""
        return self.folder / file

    def _missing(self, file: str) -> BundleError:
        return BundleError(
            f"{self.path(file)} is missing: the bundle's {self.name} component needs it, so the bundle is "
            "incomplete (copy the whole bundle folder again)"
        )

    def _existing(self, file: str) -> Path:
        if not self.path(file).is_file():
            raise self._missing(file)
        return self.path(file)

    def read_bytes(self, file: str) -> bytes:
        """The bytes of ``file``.

        Raises:
            BundleError: the file is missing (the bundle is incomplete) or unreadable.
        """
        try:
            return self.manifest.read_bytes(file) if self.manifest else self.path(file).read_bytes()
        except FileNotFoundError:
            raise self._missing(file) from None
        except OSError as err:
            raise BundleError(f"{self.path(file)} is unreadable: {err}") from err

    def json(self, file: str) -> Any:
        """The parsed JSON file ``file``; a missing or corrupted one raises :class:`BundleError`."""
        data = self.read_bytes(file)
        try:
            return json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise BundleError(f"{self.path(file)} is corrupted: {err}") from err

    def tensors(self, file: str) -> dict[str, torch.Tensor]:
        """The tensors of safetensors file ``file`` (no code is run); missing or corrupted: :class:`BundleError`."""
        path = self._existing(file)
        try:
            return load_file(str(path))
        except (SafetensorError, OSError) as err:
            raise BundleError(f"{self.path(file)} is corrupted: {str(err).splitlines()[0]}") from err

    def table(self, file: str) -> pa.Table:
        """The Parquet file ``file`` as an Arrow table; missing or corrupted: :class:`BundleError`."""
        path = self._existing(file)
        try:
            return pq.read_table(path)
        except (OSError, pa.ArrowException) as err:
            raise BundleError(f"{self.path(file)} is corrupted: {err}") from err


def _folder_and_manifest(bundle: str | Path | Manifest) -> tuple[Path, Manifest | None]:
    if isinstance(bundle, Manifest):
        return bundle.folder, bundle
    folder = Path(bundle)
    return folder, read_manifest(folder) if (folder / MANIFEST).is_file() else None


def has_component(bundle: str | Path | Manifest, name: str) -> bool:
    """Whether the bundle has component ``name`` (listed in its manifest; without a manifest yet,
    any of its files present). Nothing is verified."""
    folder, manifest = _folder_and_manifest(bundle)
    return manifest.has(name) if manifest is not None else bool(_claimed(folder, name))


def open_component(bundle: str | Path | Manifest, name: str) -> ComponentFiles | None:
    """The files of component ``name`` of a bundle, verified; ``None`` when the bundle has none.

    Arguments:
        bundle: the bundle folder or its manifest.
        name: a component of :data:`COMPONENTS`.

    Raises:
        BundleError: the component is of another kind or of a format newer than this varsynth
            reads, or one of its files is missing or damaged (named).
    """
    folder, manifest = _folder_and_manifest(bundle)
    if manifest is None:  # a bundle being written: the files present, unverified
        present = _claimed(folder, name)
        return ComponentFiles(folder, name, COMPONENTS[name].format_version, tuple(present), None) if present else None
    if not manifest.has(name):
        return None
    comp = check_component(manifest, name)
    verify_bundle(manifest, [name])
    return ComponentFiles(folder, name, comp.format_version, tuple(comp.files), manifest)
