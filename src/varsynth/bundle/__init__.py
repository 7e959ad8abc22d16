"""A trained model on disk: one folder, one versioned manifest, verified files.

A bundle is a folder with ``model.json``, the manifest (:mod:`varsynth.bundle.manifest`: format
version, the training config, the id of the dataset trained on, the fit summary, and one entry
per component with its kind, its own format version and the size and SHA-256 of each of its
files), and the components' files: the network's weights (``model.safetensors``), the flow prior
(``flow.json``, ``flow.safetensors``), the training physics (``catalog.parquet``), the survey
noise (``noise.json``), the calibration (``calibration.json``), the model card (``card.json``,
``MODEL_CARD.md``) and the paper's regressors (``regressors.json``, ``regressor-*.skops``).

This package is the one reader and writer of bundle files (:mod:`varsynth.bundle.components`):
the modules of the flow, the catalog and the regressors build their objects from what it reads
and hand it what to write, so that paths, format versions and hashes are kept in one place.
Every writer records its files in the manifest, and every reader verifies them first: a
missing file, or one whose bytes changed after it was written, is refused with a message naming
the file and its component.

Maintenance: ``python -m varsynth.bundle migrate FOLDER`` rewrites a bundle of format 1 in format
2; ``record FOLDER`` accepts deliberate edits (hashes every file again); ``show FOLDER`` prints
the components.
"""

from varsynth.bundle.components import ComponentFiles, has_component, open_component, write_component, write_files
from varsynth.bundle.manifest import (
    BUNDLE_FORMAT_VERSION,
    COMPONENTS,
    MANIFEST,
    BundleError,
    Component,
    ComponentSpec,
    Manifest,
    check_component,
    component_of,
    file_sha256,
    find_bundle,
    migrate,
    read_manifest,
    record_files,
    record_if_in_bundle,
    verify_bundle,
    write_manifest,
)
from varsynth.bundle.network import WEIGHTS, load_bundle, save_bundle

__all__ = [
    "BUNDLE_FORMAT_VERSION",
    "COMPONENTS",
    "MANIFEST",
    "WEIGHTS",
    "BundleError",
    "Component",
    "ComponentFiles",
    "ComponentSpec",
    "Manifest",
    "check_component",
    "component_of",
    "file_sha256",
    "find_bundle",
    "has_component",
    "load_bundle",
    "migrate",
    "open_component",
    "read_manifest",
    "record_files",
    "record_if_in_bundle",
    "save_bundle",
    "verify_bundle",
    "write_component",
    "write_files",
    "write_manifest",
]
