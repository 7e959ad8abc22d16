"""The manifest of a model bundle: ``model.json``, one versioned entry per component.

Format 2 (written since the manifest existed)::

    {
      "format_version": 2,
      "kind": "pelsvae-cvae",
      "training": {"config": {...}, "data_id": "de98b1eb62192481", "fit": {...}},
      "metadata": {...},
      "components": {
        "network": {"kind": "varsynth-cvae", "format_version": 1, "config": {...},
                    "files": {"model.safetensors": {"bytes": 328064, "sha256": "798f..."}}},
        "flow": {"kind": "varsynth-latent-flow", "format_version": 1, "files": {"flow.json": ..., ...}},
        ...
      }
    }

``training.config`` is the training config (``TrainConfig.to_dict()``; read it with
:meth:`varsynth.training.config.TrainConfig.of_model`), ``training.data_id`` the id of the dataset
the model was trained on (``data_card.json``'s ``dataset_id``), ``training.fit`` the fit summary
(``fit.json`` of the run, without the noise record, which is the ``noise`` component);
``metadata`` holds any other key given to ``save_bundle``. Each component names its kind, the
format version of its own files and, per file, its size (bytes) and SHA-256. The components and
their files are :data:`COMPONENTS`.

Format 1 (until 2026-12) had a flat ``files`` table, the network config at the top and the
training config, fit summary and noise record under ``metadata``. It is read as format 2 in
memory (:func:`read_manifest` logs a warning; the noise record becomes a pending ``noise.json``)
and rewritten as format 2 by :func:`migrate` (``python -m varsynth.bundle migrate FOLDER``), which
leaves the bytes of every other file as they are; any writer of a component (``record_files``,
``write_component``) also writes the manifest in format 2. A newer format is refused, naming it.
"""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from varsynth.atomic import atomic_write

__all__ = [
    "BUNDLE_FORMAT_VERSION",
    "MANIFEST",
    "COMPONENTS",
    "ComponentSpec",
    "Component",
    "Manifest",
    "BundleError",
    "file_sha256",
    "component_of",
    "read_manifest",
    "write_manifest",
    "verify_bundle",
    "record_files",
    "record_if_in_bundle",
    "migrate",
    "find_bundle",
    "folder_files",
    "json_bytes",
    "check_component",
    "set_files",
]

log = logging.getLogger(__name__)

#: The manifest format this varsynth writes; it reads this one and format 1.
BUNDLE_FORMAT_VERSION = 2
#: The manifest's file name inside a bundle folder.
MANIFEST = "model.json"
_KIND = "pelsvae-cvae"
_READS = (1, BUNDLE_FORMAT_VERSION)
_V1_FILES = "files"  # format 1's table of {file name: {"bytes", "sha256"}}
_NOISE_FILE = "noise.json"


class BundleError(ValueError):
    """A bundle that cannot be loaded: missing, corrupted, or for another architecture."""


@dataclass(frozen=True)
class ComponentSpec:
    """What one component of a bundle is: its kind, its files and the format version written.

    Attributes:
        kind: identifier stored in the manifest, checked on reading.
        format_version: version of the component's own file format that this varsynth writes;
            it reads this one and all older ones.
        files: its files of fixed names.
        pattern: a glob of its further files (``regressor-*.skops``), or ``None``.
        what: one line saying what it holds.
    """

    kind: str
    format_version: int
    files: tuple[str, ...] = ()
    pattern: str | None = None
    what: str = ""

    def claims(self, name: str) -> bool:
        """Whether file ``name`` belongs to this component."""
        return name in self.files or (self.pattern is not None and fnmatch.fnmatchcase(name, self.pattern))


#: Every component a bundle may hold, in the order of :func:`component_of`'s search ("other"
#: takes the files of no other component, e.g. notes a user recorded).
COMPONENTS: dict[str, ComponentSpec] = {
    "network": ComponentSpec(
        "varsynth-cvae", 1, ("model.safetensors",), what="the conditional VAE: its config (here) and weights"
    ),
    "flow": ComponentSpec(
        "varsynth-latent-flow", 1, ("flow.json", "flow.safetensors"), what="the flow prior: config, metrics, weights"
    ),
    "catalog": ComponentSpec("varsynth-physics-catalog", 1, ("catalog.parquet",), what="the training stars' physics"),
    "noise": ComponentSpec("varsynth-survey-noise", 1, (_NOISE_FILE,), what="each survey's noise beyond its errors"),
    "calibration": ComponentSpec(
        "varsynth-calibration", 1, ("calibration.json",), what="the physics posterior's fitted settings and coverage"
    ),
    "card": ComponentSpec("varsynth-model-card", 1, ("card.json", "MODEL_CARD.md"), what="the model card"),
    "regressors": ComponentSpec(
        "varsynth-latent-regressors", 1, ("regressors.json",), "regressor-*.skops", "the paper's regressors"
    ),
    "other": ComponentSpec("varsynth-other-files", 1, (), "*", "files of no other component"),
}


def component_of(name: str) -> str:
    """The component that file ``name`` belongs to (``other`` for none of the named ones)."""
    return next(c for c, spec in COMPONENTS.items() if spec.claims(name))


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _record(file: Path) -> dict[str, Any]:
    return {"bytes": file.stat().st_size, "sha256": file_sha256(file)}


def json_bytes(obj: Any, *, sort_keys: bool = False) -> bytes:
    """The bytes of a JSON file of a bundle: indented by 2, one final newline."""
    return (json.dumps(obj, indent=2, sort_keys=sort_keys, default=float) + "\n").encode()


@dataclass
class Component:
    """One component's entry in the manifest.

    Attributes:
        kind: the component's kind (:attr:`ComponentSpec.kind`).
        format_version: version of its file format.
        files: ``{file name: {"bytes": size, "sha256": hex}}``; ``None`` for a file of a format-1
            bundle written before the hashes existed (not verified).
        config: the network's config (``ModelConfig.to_dict()``); ``None`` for other components.
    """

    kind: str
    format_version: int
    files: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    config: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "format_version": self.format_version, "files": dict(self.files)}
        if self.config is not None:
            out["config"] = self.config
        return out


@dataclass
class Manifest:
    """A bundle's manifest, read from ``model.json`` (format 1 converted on reading).

    Attributes:
        folder: the bundle folder.
        components: the components by name (:data:`COMPONENTS`).
        training: ``{"config": train config dict or None, "data_id": dataset id or None,
            "fit": fit summary dict or None}``.
        extra: other metadata given to ``save_bundle``.
        read_version: the format the file was written in (1: converted in memory).
        pending: files a conversion created in memory (a format-1 bundle's ``noise.json``),
            written by :func:`write_manifest` before the manifest.
    """

    folder: Path
    components: dict[str, Component]
    training: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
    read_version: int = BUNDLE_FORMAT_VERSION
    pending: dict[str, bytes] = field(default_factory=dict)

    @property
    def file(self) -> Path:
        """The ``model.json`` path."""
        return self.folder / MANIFEST

    def has(self, name: str) -> bool:
        """Whether the bundle has component ``name``."""
        return name in self.components

    def files(self) -> dict[str, str]:
        """``{file name: component}`` of every file the manifest lists."""
        return {f: c for c, comp in self.components.items() for f in comp.files}

    @property
    def network_config(self) -> dict[str, Any]:
        """The network's config (``ModelConfig.to_dict()``).

        Raises:
            BundleError: the manifest has no network component or it holds no config.
        """
        return _network_config(self)

    @property
    def train_config(self) -> dict[str, Any] | None:
        """The training config as a plain dict (``None`` for a bundle written without one)."""
        return self.training.get("config")

    @property
    def data_id(self) -> str | None:
        """The id of the dataset the model was trained on (``None`` when not recorded)."""
        return self.training.get("data_id")

    @property
    def fit(self) -> dict[str, Any] | None:
        """The fit summary, without the noise record (``None`` when not recorded)."""
        return self.training.get("fit")

    def read_bytes(self, name: str) -> bytes:
        """The bytes of bundle file ``name`` (a pending file's from memory), unverified."""
        return self.pending[name] if name in self.pending else (self.folder / name).read_bytes()

    @property
    def metadata(self) -> dict[str, Any]:
        """The metadata ``load_bundle`` returns: ``train_config``, ``fit`` with the noise record
        under ``fit["noise"]`` (as format 1 stored it), and the other keys given to ``save_bundle``.

        Raises:
            BundleError: the noise component is damaged or of a newer format.
        """
        out = copy.deepcopy(self.extra)
        if self.train_config is not None:
            out["train_config"] = copy.deepcopy(self.train_config)
        fit = copy.deepcopy(self.fit)
        if self.has("noise"):
            check_component(self, "noise")
            verify_bundle(self, ["noise"])
            try:
                noise = json.loads(self.read_bytes(_NOISE_FILE))
            except FileNotFoundError:
                raise _missing(self, _NOISE_FILE, "noise") from None
            except (OSError, json.JSONDecodeError) as err:
                raise BundleError(f"{self.folder / _NOISE_FILE} is corrupted: {err}") from err
            fit = dict(sorted({**(fit or {}), "noise": noise}.items()))
        if fit is not None:
            out["fit"] = fit
        return dict(sorted(out.items()))  # the order of format 1, written with sorted keys

    def to_json(self) -> dict[str, Any]:
        """The manifest as written to ``model.json`` (format 2)."""
        return {
            "format_version": BUNDLE_FORMAT_VERSION,
            "kind": _KIND,
            "training": self.training,
            "metadata": self.extra,
            "components": {name: comp.to_json() for name, comp in self.components.items()},
        }


def _network_config(manifest: Manifest) -> dict[str, Any]:
    net = manifest.components.get("network")
    if net is None or not isinstance(net.config, dict):
        raise BundleError(f"{manifest.file} is corrupted: its network component (with the network's config) is missing")
    return net.config


def _missing(manifest: Manifest, name: str, component: str) -> BundleError:
    return BundleError(
        f"{manifest.folder / name} is missing: {manifest.file} lists it as part of the bundle's {component} "
        "component, so the bundle is incomplete (copy the whole bundle folder again)"
    )


def _load_json(file: Path) -> dict[str, Any]:
    try:
        info = json.loads(file.read_text())
    except FileNotFoundError:
        raise BundleError(f"{file.parent} is not a varsynth model bundle: {file} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BundleError(f"{file} is corrupted: {err}") from err
    if not isinstance(info, dict) or info.get("kind") != _KIND:
        kind = info.get("kind") if isinstance(info, dict) else type(info).__name__
        raise BundleError(f"{file}: not a {_KIND} bundle (kind {kind!r})")
    version = info.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > BUNDLE_FORMAT_VERSION:
        raise BundleError(
            f"{file}: bundle format {version} is newer than this varsynth reads (formats {_READS[0]} to "
            f"{_READS[-1]}); upgrade varsynth to load this bundle"
        )
    if version not in _READS:
        raise BundleError(
            f"{file}: bundle format {version!r} is not supported "
            f"(this varsynth reads formats {_READS[0]} to {_READS[-1]})"
        )
    return info


def _components_v2(file: Path, raw: Any) -> dict[str, Component]:
    if not isinstance(raw, dict):
        raise BundleError(f"{file} is corrupted: its 'components' entry is not a table of components")
    out = {}
    for name, entry in raw.items():
        files = entry.get("files") if isinstance(entry, dict) else None
        if (
            not isinstance(files, dict)
            or not all(isinstance(v, dict) for v in files.values())
            or not isinstance(entry.get("kind"), str)
            or not isinstance(entry.get("format_version"), int)
        ):
            raise BundleError(
                f"{file} is corrupted: component {name!r} needs a 'kind', an integer 'format_version' "
                "and a 'files' table of sizes and SHA-256"
            )
        out[name] = Component(entry["kind"], entry["format_version"], dict(files), entry.get("config"))
    return out


_warned_v1: set[Path] = set()


def _from_v1(folder: Path, info: dict[str, Any]) -> Manifest:
    """A format-1 manifest as format 2: its files grouped into components (each of format 1),
    the training config, data id and fit summary under ``training``, the noise record as a
    pending ``noise.json`` (sorted keys, as format 1 stored it)."""
    meta = info.get("metadata")
    recorded = info.get(_V1_FILES)
    if not isinstance(meta, dict) or not isinstance(info.get("config"), dict):
        raise BundleError(f"{folder / MANIFEST} is corrupted: a format-1 manifest needs 'config' and 'metadata'")
    if recorded is not None and (
        not isinstance(recorded, dict) or not all(isinstance(v, dict) for v in recorded.values())
    ):
        raise BundleError(f"{folder / MANIFEST} is corrupted: its {_V1_FILES!r} entry is not a table of file hashes")
    files: dict[str, dict[str, Any] | None]
    if recorded is None:  # written before the hashes existed: the files present, unverified
        files = dict.fromkeys(folder_files(folder))
    else:
        files = dict(recorded)
    files.setdefault("model.safetensors", None)
    components: dict[str, Component] = {}
    for name in sorted(files):
        part = component_of(name)
        components.setdefault(part, Component(COMPONENTS[part].kind, 1)).files[name] = files[name]
    components["network"].config = info["config"]
    fit = dict(meta["fit"]) if isinstance(meta.get("fit"), dict) else None
    pending = {}
    if fit is not None and "noise" in fit:
        data = pending[_NOISE_FILE] = json_bytes(fit.pop("noise"), sort_keys=True)
        record = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        components["noise"] = Component(COMPONENTS["noise"].kind, 1, {_NOISE_FILE: record})
    training = {
        "config": meta.get("train_config"),
        "data_id": (fit or {}).get("dataset_id"),
        "fit": fit,
    }
    extra = {k: v for k, v in meta.items() if k not in ("train_config", "fit")}
    if folder.resolve() not in _warned_v1:
        _warned_v1.add(folder.resolve())
        log.warning(
            "%s is a model bundle of format 1: read as format %d in memory; "
            "`python -m varsynth.bundle migrate %s` rewrites it (its weights, flow and catalog unchanged)",
            folder,
            BUNDLE_FORMAT_VERSION,
            folder,
        )
    return Manifest(folder, components, training, extra, read_version=1, pending=pending)


def read_manifest(bundle: str | Path | Manifest) -> Manifest:
    """The manifest of bundle folder ``bundle`` (a :class:`Manifest` is returned as it is).

    Format 1 is converted in memory, with a warning that names the migration command.

    Raises:
        BundleError: no ``model.json``, an unreadable one, another kind, or a format this
            varsynth does not read (a newer one is named).
    """
    if isinstance(bundle, Manifest):
        return bundle
    folder = Path(bundle)
    info = _load_json(folder / MANIFEST)
    if info["format_version"] == 1:
        return _from_v1(folder, info)
    training = info.get("training")
    extra = info.get("metadata", {})
    if not isinstance(training, dict) or not isinstance(extra, dict):
        raise BundleError(f"{folder / MANIFEST} is corrupted: 'training' and 'metadata' must be tables")
    manifest = Manifest(folder, _components_v2(folder / MANIFEST, info.get("components")), training, extra)
    _network_config(manifest)  # refuses a manifest without it
    return manifest


def _write_bytes(path: Path, data: bytes) -> None:
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def _flush_pending(manifest: Manifest) -> None:
    """Write the files a format-1 conversion created in memory (its ``noise.json``)."""
    for name, data in sorted(manifest.pending.items()):
        _write_bytes(manifest.folder / name, data)
    manifest.pending.clear()


def write_manifest(manifest: Manifest) -> Path:
    """Write ``model.json`` in format 2, atomically; pending files (a converted format-1 bundle's
    ``noise.json``) are written first, so that the manifest never lists a file not yet there."""
    _flush_pending(manifest)
    text = json_bytes(manifest.to_json(), sort_keys=True)
    _write_bytes(manifest.file, text)
    manifest.read_version = BUNDLE_FORMAT_VERSION
    return manifest.file


def check_component(manifest: Manifest, name: str) -> Component:
    """Component ``name`` of a bundle, checked to be of its kind and of a format this varsynth reads.

    Raises:
        BundleError: the bundle has no such component, or it is of another kind or a newer format.
    """
    spec = COMPONENTS.get(name)
    comp = manifest.components.get(name)
    if comp is None:
        raise BundleError(f"{manifest.folder} has no {name} component ({manifest.file} does not list it)")
    if spec is not None and comp.kind != spec.kind:
        raise BundleError(f"{manifest.file}: its {name} component is of kind {comp.kind!r}, not {spec.kind!r}")
    if spec is not None and not 1 <= comp.format_version <= spec.format_version:
        raise BundleError(
            f"{manifest.file}: its {name} component has format {comp.format_version}; this varsynth reads "
            f"formats 1 to {spec.format_version} of it (upgrade varsynth to load this bundle)"
        )
    return comp


def verify_bundle(bundle: str | Path | Manifest, components: Sequence[str] | None = None) -> None:
    """Check the files of a bundle's components against the sizes and SHA-256 the manifest records.

    Arguments:
        bundle: the bundle folder or its manifest.
        components: only these components (those the bundle has); ``None``: every one.

    Raises:
        BundleError: a listed file is missing, or its bytes differ from those recorded (the
            message names the file and its component). Files of format-1 bundles written
            before the hashes existed pass unchecked.
    """
    manifest = read_manifest(bundle)
    names = manifest.components if components is None else [c for c in components if manifest.has(c)]
    for part in names:
        for name, want in sorted(manifest.components[part].files.items()):
            if want is None or name in manifest.pending:
                continue
            file = manifest.folder / name
            if not file.is_file():
                raise _missing(manifest, name, part)
            size = file.stat().st_size
            if size != want.get("bytes"):
                problem = f"it has {size} bytes where {want.get('bytes')} were written (truncated or replaced)"
            elif file_sha256(file) != want.get("sha256"):
                problem = "its SHA-256 differs from the one recorded when it was written"
            else:
                continue
            raise BundleError(
                f"{file} is damaged (corrupted, or modified after the bundle was written): {problem}. Restore it "
                "from the original bundle; to accept a deliberate change, run "
                f"`python -m varsynth.bundle record {manifest.folder}`"
            )


def folder_files(folder: Path) -> list[str]:
    """Names of a bundle folder's files besides ``model.json`` (hidden and temporary files excluded)."""
    return sorted(f.name for f in folder.iterdir() if f.is_file() and f.name != MANIFEST and not f.name.startswith("."))


def set_files(manifest: Manifest, names: Iterable[str], removed: Iterable[str] = ()) -> None:
    """Record the size and SHA-256 of files ``names`` (now on disk) in their components, and drop
    files ``removed``; a component left without files is dropped, a new one gets the format
    version this varsynth writes."""
    for name in removed:
        for comp in manifest.components.values():
            comp.files.pop(name, None)
    for name in names:
        part = component_of(name)
        if part not in manifest.components:
            manifest.components[part] = Component(COMPONENTS[part].kind, COMPONENTS[part].format_version)
        manifest.components[part].files[name] = _record(manifest.folder / name)
    for part in [p for p, comp in manifest.components.items() if not comp.files and p != "network"]:
        del manifest.components[part]


def record_files(path: str | Path, names: Iterable[str] | None = None, *, removed: Iterable[str] = ()) -> bool:
    """Record the size and SHA-256 of bundle files in ``model.json`` (written in format 2).

    Arguments:
        path: the bundle folder.
        names: files (names inside ``path``) just written; ``None``: every file of the folder,
            with entries of files no longer present dropped (accepting a deliberate edit, or
            hashing a format-1 bundle written before the hashes existed).
        removed: files just deleted, whose entries are dropped.

    Returns:
        ``False`` (and nothing written) when the folder has no ``model.json`` yet: then
        ``save_bundle`` records the files when it writes it.
    """
    folder = Path(path)
    if not (folder / MANIFEST).is_file():
        return False
    manifest = read_manifest(folder)
    _flush_pending(manifest)  # a converted format-1 bundle's noise.json, before the folder is listed
    if names is None:
        on_disk = folder_files(folder)
        gone = [f for f in manifest.files() if f not in on_disk]
        set_files(manifest, on_disk, removed=gone)
    else:
        set_files(manifest, list(names), removed)
    write_manifest(manifest)
    return True


def record_if_in_bundle(file: str | Path) -> bool:
    """Record ``file`` in the ``model.json`` of its folder when that folder is a bundle (e.g. a
    ``calibration.json`` written there by ``varsynth calibrate --json``); ``False`` otherwise."""
    file = Path(file)
    return (file.parent / MANIFEST).is_file() and record_files(file.parent, [file.name])


def migrate(path: str | Path) -> int:
    """Rewrite a bundle's ``model.json`` in format 2 (a bundle already of format 2 is left as it is).

    Every file the format-1 manifest records is verified first and keeps its recorded size and
    SHA-256 (no other file is rewritten); files it does not record (a bundle written before the
    hashes existed) are hashed as they are. The noise record moves from the manifest to
    ``noise.json``. Files are written atomically, ``model.json`` last.

    Returns:
        The format the bundle was of (``1``: rewritten; ``2``: already current, left as it is).

    Raises:
        BundleError: not a bundle, or a damaged one (the file named): nothing is written.
    """
    _warned_v1.add(Path(path).resolve())  # no warning that asks for the migration being done
    manifest = read_manifest(path)
    if manifest.read_version == BUNDLE_FORMAT_VERSION:
        return BUNDLE_FORMAT_VERSION
    verify_bundle(manifest)
    unrecorded = [f for f, c in manifest.files().items() if manifest.components[c].files[f] is None]
    present = [f for f in unrecorded if (manifest.folder / f).is_file()]
    set_files(manifest, present, removed=[f for f in unrecorded if f not in present])
    write_manifest(manifest)
    log.info("%s: migrated to bundle format %d", manifest.folder, BUNDLE_FORMAT_VERSION)
    return 1


def find_bundle(path: str | Path) -> Path:
    """The bundle folder of a bundle folder or of a run folder (its ``bundle/``).

    Raises:
        BundleError: neither holds a ``model.json``.
    """
    path = Path(path)
    if not (path / MANIFEST).is_file() and (path / "bundle" / MANIFEST).is_file():
        return path / "bundle"
    if not (path / MANIFEST).is_file():
        raise BundleError(f"{path} is neither a model bundle nor a run folder (no {MANIFEST} in it or in its bundle/)")
    return path
