"""``python -m varsynth.bundle migrate|record|show FOLDER ...``: maintenance of model bundles.

- ``migrate``: rewrite bundles of format 1 in format 2 (files verified first; the bytes of the
  weights, flow prior, catalog and every other file are left as they are; ``noise.json`` is
  added and ``model.json`` rewritten, atomically). A bundle of format 2 is left as it is.
- ``record``: record the size and SHA-256 of every file again (to accept a deliberate edit, or
  to hash a format-1 bundle written before the hashes existed); writes format 2.
- ``show``: the format, training data id and components (kind, format, files) of each bundle.

Exit status 0, or 2 with one ``error:`` line naming the bundle and the problem.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from varsynth.bundle.manifest import BUNDLE_FORMAT_VERSION, MANIFEST, BundleError, migrate, read_manifest, record_files

_USAGE = "usage: python -m varsynth.bundle {migrate,record,show} BUNDLE_FOLDER [...]"


def _show(folder: str) -> str:
    manifest = read_manifest(folder)
    lines = [f"{folder}: format {manifest.read_version}, trained on dataset {manifest.data_id or 'not recorded'}"]
    for name, comp in manifest.components.items():
        files = ", ".join(f"{f} ({(r or {}).get('bytes', '?')} bytes)" for f, r in comp.files.items())
        lines.append(f"  {name}: {comp.kind} format {comp.format_version}: {files}")
    return "\n".join(lines)


def _run(command: str, folder: str) -> str:
    if command == "migrate":
        before = migrate(folder)
        if before == BUNDLE_FORMAT_VERSION:
            return f"{folder}: already of format {BUNDLE_FORMAT_VERSION}, left as it is"
        parts = ", ".join(read_manifest(folder).components)
        return f"{folder}: migrated from format {before} to {BUNDLE_FORMAT_VERSION} (components: {parts})"
    if command == "record":
        if not record_files(folder):
            raise BundleError(f"{folder} is not a varsynth model bundle: it has no {MANIFEST}")
        return f"{folder}: recorded {len(read_manifest(folder).files())} files"
    return _show(folder)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the maintenance command; returns the exit status (0, or 2 on an error)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2 or args[0] not in ("migrate", "record", "show") or any(a.startswith("-") for a in args):
        print(_USAGE, file=sys.stderr)
        return 2
    for folder in args[1:]:
        try:
            print(_run(args[0], folder))
        except BundleError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
