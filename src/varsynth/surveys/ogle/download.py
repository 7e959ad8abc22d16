"""Download OGLE variable-star collections over HTTP, in the per-star layout the OGLE reader reads.

Why: the repository ships no survey data, and ``read_ogle3`` reads a folder with ``ident.dat`` and
``phot/I/*.dat``, ``phot/V/*.dat`` (columns ``HJD-2450000 mag err``). This module fetches such a
folder for any collection of the public OGLE archive, so a user with internet can add classes
and fields (bulge RR Lyrae, LMC eclipsing binaries, SMC Cepheids, ...) to the training set.

Archive layout (checked against copies of the archive's own directory listings and READMEs; the
archive itself was not reachable from the build machine):

* The OGLE-III Catalog of Variable Stars (OIII-CVS) is served under
  ``https://www.astrouw.edu.pl/ogle/ogle3/OIII-CVS/``; the same tree is mirrored on the hosts
  ``ftp.astrouw.edu.pl``, ``ogle.astrouw.edu.pl`` and ``sirius.astrouw.edu.pl`` (plain http works
  too). One folder per field and class, ``<field>/<class>/`` with field ``lmc``, ``smc`` or
  ``blg``.
* Each folder holds ``README`` (format of every file), ``ident.dat`` (one star per line, the star
  ID such as ``OGLE-LMC-RRLYR-00001`` is the first blank-separated field, the rest is fixed width
  and differs between collections), parameter tables named in the README (``cepF.dat``,
  ``RRab.dat``, ``ecl.dat``, ``Miras.dat``...: periods, mean magnitudes, amplitudes),
  ``phot/I/<ID>.dat`` and ``phot/V/<ID>.dat`` (one file per star and band; many stars have no V
  file) and ``phot.tar.gz`` ("gzipped phot/ directory").
* Folders seen directly (index page, README or a file URL): ``lmc/cep``, ``lmc/rrlyr``,
  ``lmc/lpv``, ``lmc/ecl``, ``smc/cep``, ``smc/lpv``, ``smc/ecl``, ``blg/rrlyr``, ``blg/lpv``.
  The others in :data:`COLLECTIONS` follow the same naming, taken from the catalog's paper series
  (type II and anomalous Cepheids, delta Scuti, R CrB, double-period variables; Soszynski et al.
  2008-2013, Poleski et al. 2010) and from the classes present in the OGLE-III catalog table.
* The later OGLE Collection of Variable Stars (OCVS, OGLE-IV photometry) uses the same
  ``<field>/<class>/`` layout under :data:`OCVS_BASE_URL`; pass ``base_url=OCVS_BASE_URL`` to
  fetch it (a few OCVS folders, e.g. ``blg/lpv``, split photometry into ``phot_ogle2/3/4``
  instead, which this module does not handle). The folder ``../shared/data/ogle3-lmc-cep`` is
  such an OCVS release of ``lmc/cep``.

Because the layout could not be checked live, everything is configurable: ``base_url`` and, in
place of a known collection name, an explicit relative path such as ``"lmc/hb/"``.

Robustness: every file is written to a temporary file in its destination folder and renamed
(``os.replace``) only when complete, so an interrupted download never leaves a partial file under
the final name; files already present with the size the server announces, and not older than
the server's ``Last-Modified`` date, are skipped (resume; downloaded files keep the remote date);
connection errors, timeouts, truncated bodies and HTTP 5xx/429 are retried with exponential
backoff; a star file answering 404 is counted as missing, never fatal. Requests ask for
``Accept-Encoding: identity`` so that saved files are byte-identical to the served ones and their
sizes comparable with ``Content-Length``.
"""

from __future__ import annotations

import gzip
import re
import tarfile
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath
from typing import IO, TypeVar
from urllib.parse import quote, urljoin

import requests
from tqdm import tqdm

from varsynth.atomic import atomic_write
from varsynth.bands import BANDS

__all__ = [
    "DEFAULT_BASE_URL",
    "OCVS_BASE_URL",
    "COLLECTIONS",
    "DownloadError",
    "UnknownCollectionError",
    "UnsafeArchiveError",
    "Failure",
    "DownloadReport",
    "ArchiveResult",
    "list_collections",
    "collection_url",
    "download_ogle",
    "extract_phot_archive",
]

#: Root of the OGLE-III Catalog of Variable Stars (OIII-CVS).
DEFAULT_BASE_URL = "https://www.astrouw.edu.pl/ogle/ogle3/OIII-CVS/"
#: Root of the OGLE Collection of Variable Stars (OGLE-IV era), same ``<field>/<class>/`` layout.
OCVS_BASE_URL = "https://www.astrouw.edu.pl/ogle/ogle4/OCVS/"

#: Known OIII-CVS collections: name -> folder relative to the base URL.
COLLECTIONS: dict[str, str] = {
    "ogle3-lmc-cep": "lmc/cep/",
    "ogle3-lmc-t2cep": "lmc/t2cep/",
    "ogle3-lmc-acep": "lmc/acep/",
    "ogle3-lmc-rrlyr": "lmc/rrlyr/",
    "ogle3-lmc-dsct": "lmc/dsct/",
    "ogle3-lmc-lpv": "lmc/lpv/",
    "ogle3-lmc-rcb": "lmc/rcb/",
    "ogle3-lmc-dpv": "lmc/dpv/",
    "ogle3-lmc-ecl": "lmc/ecl/",
    "ogle3-smc-cep": "smc/cep/",
    "ogle3-smc-t2cep": "smc/t2cep/",
    "ogle3-smc-acep": "smc/acep/",
    "ogle3-smc-rrlyr": "smc/rrlyr/",
    "ogle3-smc-lpv": "smc/lpv/",
    "ogle3-smc-ecl": "smc/ecl/",
    "ogle3-blg-cep": "blg/cep/",
    "ogle3-blg-t2cep": "blg/t2cep/",
    "ogle3-blg-rrlyr": "blg/rrlyr/",
    "ogle3-blg-lpv": "blg/lpv/",
}

IDENT = "ident.dat"
README = "README"
ARCHIVE = "phot.tar.gz"

# identity: byte-exact files whose size matches Content-Length (no transparent gzip).
_HEADERS = {"Accept-Encoding": "identity", "User-Agent": "varsynth-ogle-downloader"}
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_CHUNK = 1 << 16
# Star IDs and file names become local paths: letters, digits and . _ + - only, no leading dot.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
# README "directory structure" lines such as "cepF.dat   - parameters of ...".
_README_TABLE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9_+-]*\.dat)\s+-\s", re.MULTILINE)
_MAX_LISTED = 5

T = TypeVar("T")


class DownloadError(RuntimeError):
    """A download that cannot go on (unknown collection, ``ident.dat`` unreachable, ...)."""


class UnknownCollectionError(DownloadError, ValueError):
    """A collection name that is not in :data:`COLLECTIONS`."""


class UnsafeArchiveError(DownloadError):
    """A tar archive with a member that would be written outside the destination folder."""


class _FetchError(Exception):
    """One URL that could not be fetched (after retries when the error was transient)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class _Transient(Exception):
    """An error worth retrying: HTTP 5xx/429 or a body shorter than announced."""


_TRANSIENT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    _Transient,
)


@dataclass(frozen=True)
class Failure:
    """A file that could not be fetched: its URL and why."""

    url: str
    reason: str


@dataclass
class ArchiveResult:
    """What :func:`extract_phot_archive` did with the members of a photometry archive.

    Attributes:
        extracted: files written.
        skipped_existing: files already present, same size and not older than the member.
        ignored: members not extracted (other bands, non-regular files, unexpected names).
    """

    extracted: int = 0
    skipped_existing: int = 0
    ignored: int = 0


@dataclass
class DownloadReport:
    """Outcome of :func:`download_ogle`, counted per file.

    Attributes:
        collection: collection name (or the explicit relative path given).
        url: URL of the collection folder.
        dest: local destination folder.
        mode: ``"archive"`` (phot.tar.gz) or ``"files"`` (one request per star and band).
        stars: number of stars whose photometry was requested.
        downloaded: files fetched (or extracted from the archive) and written.
        skipped_existing: files already present, same size and not older than the remote copy.
        missing: files the server answered 404 for (e.g. stars without V photometry).
        failed: files that could not be fetched after retries.
        bytes_downloaded: bytes written from HTTP bodies.
        ignored_members: archive members not extracted.
        failures: URL and reason of every failed file.
        missing_urls: URL of every missing file.
        notes: anything else worth telling the user (fallbacks).
    """

    collection: str
    url: str
    dest: str
    mode: str = "files"
    stars: int = 0
    downloaded: int = 0
    skipped_existing: int = 0
    missing: int = 0
    failed: int = 0
    bytes_downloaded: int = 0
    ignored_members: int = 0
    failures: list[Failure] = field(default_factory=list)
    missing_urls: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no file failed (missing files are normal: not every star has V data)."""
        return self.failed == 0

    def summary(self) -> str:
        """A few human-readable lines for the command line."""
        lines = [
            f"{self.collection} ({self.url}) -> {self.dest} [{self.mode} mode, {self.stars} stars]",
            f"  downloaded {self.downloaded} files ({self.bytes_downloaded / 1e6:.1f} MB), "
            f"already present {self.skipped_existing}, missing (HTTP 404) {self.missing}, "
            f"failed {self.failed}",
        ]
        if self.ignored_members:
            lines.append(f"  archive members not extracted: {self.ignored_members}")
        lines += _listed("missing", self.missing_urls)
        lines += _listed("failed", [f"{f.url}: {f.reason}" for f in self.failures])
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _add(self, outcome: str, url: str) -> None:
        if outcome == "downloaded":
            self.downloaded += 1
        elif outcome == "skipped":
            self.skipped_existing += 1
        else:
            self.missing += 1
            self.missing_urls.append(url)

    def _fail(self, error: _FetchError) -> None:
        self.failed += 1
        self.failures.append(Failure(error.url, error.reason))


def _listed(label: str, items: list[str]) -> list[str]:
    shown = [f"  {label}: {item}" for item in items[:_MAX_LISTED]]
    if len(items) > _MAX_LISTED:
        shown.append(f"  ... and {len(items) - _MAX_LISTED} more {label}")
    return shown


def list_collections() -> list[str]:
    """Names of the known OGLE-III collections, sorted."""
    return sorted(COLLECTIONS)


def collection_url(collection: str, base_url: str = DEFAULT_BASE_URL) -> str:
    """URL of a collection folder, ending with ``/``.

    Args:
        collection: a name from :func:`list_collections`, or a relative folder containing ``/``
            (e.g. ``"lmc/hb/"``) for collections the table does not know.
        base_url: root of the archive.

    Raises:
        UnknownCollectionError: an unknown name (the message lists the known ones).
    """
    if "/" in collection:
        path = collection.strip("/") + "/"
        if any(part in ("", ".", "..") for part in path[:-1].split("/")):
            raise UnknownCollectionError(f"invalid collection path {collection!r}")
    elif collection in COLLECTIONS:
        path = COLLECTIONS[collection]
    else:
        raise UnknownCollectionError(
            f"unknown OGLE collection {collection!r} (archive {base_url}); known: "
            f"{', '.join(list_collections())}; or give a folder relative to the archive root, "
            f"e.g. 'lmc/hb/'"
        )
    return urljoin(base_url.rstrip("/") + "/", path)


class _Client:
    """HTTP GET/HEAD with retries on transient errors and atomic writes."""

    def __init__(self, session: requests.Session, timeout: float, retries: int, backoff: float) -> None:
        self.session = session
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.bytes_written = 0

    def _retrying(self, method: str, url: str, handle: Callable[[requests.Response], T]) -> T:
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                with self.session.request(method, url, stream=True, timeout=self.timeout, headers=_HEADERS) as resp:
                    if resp.status_code in _RETRY_STATUS:
                        raise _Transient(f"HTTP {resp.status_code}")
                    return handle(resp)
            except _TRANSIENT as exc:
                last = exc
        raise _FetchError(url, f"{_describe(last)} (gave up after {self.retries + 1} attempts)")

    def is_current(self, url: str, target: Path) -> bool:
        """True when ``target`` has the size the server announces and is not older than it."""
        remote = self._retrying("HEAD", url, lambda r: _stamp(r) if r.ok else (None, None))
        return _up_to_date(target, *remote)

    def fetch(self, url: str, target: Path, on_bytes: Callable[[int], object] | None = None) -> str:
        """Fetch ``url`` to ``target``; returns ``"downloaded"``, ``"skipped"`` or ``"missing"``.

        Raises:
            _FetchError: after retries, or at once for HTTP errors other than 404/5xx/429.
        """
        if target.is_file() and self.is_current(url, target):
            return "skipped"

        def handle(resp: requests.Response) -> str:
            if resp.status_code == 404:
                return "missing"
            if not resp.ok:
                raise _FetchError(url, f"HTTP {resp.status_code}")
            size, mtime = _stamp(resp)
            self.bytes_written += _write_atomic(resp.iter_content(_CHUNK), target, size, on_bytes, mtime)
            return "downloaded"

        return self._retrying("GET", url, handle)


def _describe(exc: Exception | None) -> str:
    """Short reason for a transient error (requests nests urllib3 errors in tuple-like args)."""
    if exc is None or isinstance(exc, _Transient):
        return str(exc)
    msg: object = exc
    while isinstance(msg, BaseException) and msg.args:
        msg = msg.args[0]
    return f"{type(exc).__name__}: {msg}"


def _stamp(resp: requests.Response) -> tuple[int | None, float | None]:
    """Announced body size and modification time (POSIX seconds) of a response, when given.

    The size is trusted only for unencoded bodies (the size of decoded data differs).
    """
    length = resp.headers.get("Content-Length", "")
    encoding = resp.headers.get("Content-Encoding", "identity").lower()
    size = int(length) if length.isdigit() and encoding == "identity" else None
    try:
        mtime = parsedate_to_datetime(resp.headers["Last-Modified"]).timestamp()
    except (KeyError, TypeError, ValueError):
        mtime = None
    return size, mtime


def _up_to_date(target: Path, size: int | None, mtime: float | None) -> bool:
    """Resume rule: same size, and not older than the remote copy when its date is known.

    The date matters because OGLE re-issues photometry with corrected calibrations, which
    changes digits but rarely the file size.
    """
    stat = target.stat()
    return size is not None and size == stat.st_size and (mtime is None or stat.st_mtime >= mtime)


def _write_atomic(
    chunks: Iterable[bytes],
    target: Path,
    expected: int | None = None,
    on_bytes: Callable[[int], object] | None = None,
    mtime: float | None = None,
) -> int:
    """Write ``chunks`` to a temporary file beside ``target``, then rename it to ``target``.

    The temporary file is removed on any error (including KeyboardInterrupt), so ``target`` is
    either untouched or complete. ``mtime`` (POSIX seconds, the remote modification time) is
    given to the file so that a later run can tell whether the remote copy is newer. Returns
    the number of bytes written.

    Raises:
        _Transient: fewer or more bytes than ``expected`` (a connection closed mid-body).
    """
    written = 0

    def write(tmp: Path) -> None:
        nonlocal written
        with open(tmp, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
                written += len(chunk)
                if on_bytes is not None:
                    on_bytes(len(chunk))
        if expected is not None and written != expected:
            raise _Transient(f"incomplete body: {written} of {expected} bytes")

    atomic_write(target, write, mtime=mtime)
    return written


def _star_ids(ident: Path) -> tuple[list[str], list[str]]:
    """Sorted unique star IDs (first field of each line) of ``ident.dat``, and unsafe IDs."""
    ids: set[str] = set()
    unsafe: list[str] = []
    for line in ident.read_text(encoding="latin-1").splitlines():
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        (ids.add if _SAFE_NAME.match(fields[0]) else unsafe.append)(fields[0])
    return sorted(ids), unsafe


def _parameter_tables(readme: Path) -> list[str]:
    """Parameter tables (``*.dat`` other than ident.dat) that a collection's README lists."""
    if not readme.is_file():
        return []
    found = _README_TABLE.findall(readme.read_text(encoding="latin-1"))
    return sorted({name for name in found if name != IDENT})


def _member_target(name: str, dest: Path, bands: Sequence[str]) -> Path | None:
    """Local path of a photometry archive member, or None when it is not wanted.

    Accepts ``phot/<band>/<ID>.dat``, ``./phot/<band>/<ID>.dat`` and ``<band>/<ID>.dat``.

    Raises:
        UnsafeArchiveError: an absolute name or one with a ``..`` component.
    """
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", name):
        raise UnsafeArchiveError(f"unsafe archive member {name!r}: absolute path or '..'")
    parts = [p for p in path.parts if p != "."]
    if parts[:1] == ["phot"]:
        parts = parts[1:]
    if len(parts) != 2 or parts[0] not in bands:
        return None
    if not (parts[1].endswith(".dat") and _SAFE_NAME.match(parts[1])):
        return None
    return dest / "phot" / parts[0] / parts[1]


def _copy_member(src: IO[bytes], target: Path, member: tarfile.TarInfo) -> None:
    _write_atomic(iter(lambda: src.read(_CHUNK), b""), target, member.size, mtime=member.mtime)


def extract_phot_archive(
    archive: str | Path,
    dest: str | Path,
    bands: Sequence[str] = ("I", "V"),
    *,
    progress: bool = False,
) -> ArchiveResult:
    """Extract the per-star photometry of an OGLE ``phot.tar.gz`` into ``dest/phot/<band>/``.

    Safe by construction: every member name is checked before anything is written; an absolute
    name or a ``..`` component rejects the whole archive. Only regular files named
    ``<band>/<ID>.dat`` are written (atomically); links, devices and other names are ignored and
    counted. Files already present with the member's size and not older than it are skipped;
    extracted files keep the member's modification time.

    Args:
        archive: path of the tar archive (any compression tarfile reads).
        dest: collection folder; files go to ``dest/phot/<band>/<ID>.dat``.
        bands: bands to extract.
        progress: show a tqdm bar over members.

    Raises:
        UnsafeArchiveError: a member would escape ``dest`` (nothing is extracted then).
        DownloadError: the file is not a readable tar archive.
    """
    dest = Path(dest)
    result = ArchiveResult()
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            targets = [_member_target(m.name, dest, bands) for m in members]  # validates all first
            for member, target in tqdm(list(zip(members, targets)), desc="extract", unit="file", disable=not progress):
                if member.isdir():
                    continue
                src = tar.extractfile(member) if member.isfile() else None
                if target is None or src is None:
                    result.ignored += 1
                elif target.is_file() and _up_to_date(target, member.size, member.mtime):
                    result.skipped_existing += 1
                else:
                    _copy_member(src, target, member)
                    result.extracted += 1
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DownloadError(f"cannot read photometry archive {archive}: {exc}") from exc
    return result


def _check_bands(bands: Sequence[str]) -> tuple[str, ...]:
    valid = sorted(n for (s, n) in BANDS if s == "ogle3")
    unknown = [b for b in bands if b not in valid]
    if unknown or not bands:
        raise ValueError(f"OGLE bands must be a non-empty subset of {valid}, got {list(bands)}")
    return tuple(bands)


def _fetch_metadata(client: _Client, url: str, dest: Path, report: DownloadReport) -> None:
    """ident.dat (required), README and the parameter tables the README lists."""
    ident_url = urljoin(url, IDENT)
    try:
        outcome = client.fetch(ident_url, dest / IDENT)
    except _FetchError as exc:
        raise DownloadError(f"cannot fetch the star list {ident_url}: {exc.reason}") from exc
    if outcome == "missing":
        raise DownloadError(f"cannot fetch the star list {ident_url}: HTTP 404 (wrong collection path or base URL?)")
    report._add(outcome, ident_url)
    _fetch_optional(client, urljoin(url, README), dest / README, report)
    for name in _parameter_tables(dest / README):
        _fetch_optional(client, urljoin(url, name), dest / name, report)


def _fetch_optional(client: _Client, url: str, target: Path, report: DownloadReport) -> None:
    """Fetch one file whose absence or failure is counted, never fatal."""
    try:
        report._add(client.fetch(url, target), url)
    except _FetchError as exc:
        report._fail(exc)


def _download_files(
    client: _Client,
    url: str,
    dest: Path,
    ids: list[str],
    bands: tuple[str, ...],
    progress: bool,
    report: DownloadReport,
) -> None:
    """Per-star files phot/<band>/<ID>.dat, one request each."""
    with tqdm(total=len(ids) * len(bands), desc="stars", unit="file", disable=not progress) as bar:
        for star in ids:
            for band in bands:
                file_url = urljoin(url, f"phot/{quote(band)}/{quote(star)}.dat")
                _fetch_optional(client, file_url, dest / "phot" / band / f"{star}.dat", report)
                bar.update()


def _download_archive(
    client: _Client, url: str, dest: Path, bands: tuple[str, ...], progress: bool, report: DownloadReport
) -> bool:
    """phot.tar.gz, then extraction; returns False when the server has no archive (404)."""
    archive_url = urljoin(url, ARCHIVE)
    with tqdm(desc=ARCHIVE, unit="B", unit_scale=True, disable=not progress) as bar:
        try:
            outcome = client.fetch(archive_url, dest / ARCHIVE, bar.update)
        except _FetchError as exc:
            report._fail(exc)
            return True
    if outcome == "missing":
        return False
    report._add(outcome, archive_url)
    result = extract_phot_archive(dest / ARCHIVE, dest, bands, progress=progress)
    report.downloaded += result.extracted
    report.skipped_existing += result.skipped_existing
    report.ignored_members += result.ignored
    return True


def download_ogle(
    collection: str,
    dest: str | Path,
    *,
    base_url: str = DEFAULT_BASE_URL,
    bands: Sequence[str] = ("I", "V"),
    limit: int | None = None,
    archive: bool | None = None,
    timeout: float = 30,
    retries: int = 3,
    backoff: float = 1.0,
    progress: bool = False,
    session: requests.Session | None = None,
) -> DownloadReport:
    """Download one OGLE collection into ``dest`` (``ident.dat``, README, tables, ``phot/``).

    Args:
        collection: a name from :func:`list_collections` (e.g. ``"ogle3-blg-rrlyr"``) or a folder
            relative to ``base_url`` containing ``/`` (e.g. ``"lmc/hb/"``).
        dest: local folder, created if needed; it becomes a root ``read_ogle3`` can read.
        base_url: archive root (:data:`DEFAULT_BASE_URL`, :data:`OCVS_BASE_URL` or a mirror).
        bands: photometric bands to fetch (OGLE: ``I``, ``V``).
        limit: fetch the photometry of at most this many stars, the first in sorted ID order.
            ``ident.dat`` and the tables are always complete.
        archive: True: photometry from ``phot.tar.gz`` (kept in ``dest`` for resuming); False:
            one request per star and band; None (default): the archive for a whole collection,
            per-star files when ``limit`` is set, and per-star files if the archive is absent.
        timeout: seconds to wait for a connection or for data before retrying.
        retries: retries after the first attempt on connection errors, timeouts, truncated
            bodies and HTTP 5xx/429.
        backoff: seconds before the first retry; doubled at each further retry.
        progress: show tqdm progress bars.
        session: a ``requests.Session`` to use (e.g. with proxies); one is made otherwise.

    Returns:
        The per-file counts; a 404 for a star file is counted as missing, a file failing after
        retries is counted as failed; neither stops the download.

    Raises:
        UnknownCollectionError: unknown collection name.
        DownloadError: ``ident.dat`` cannot be fetched (the message names the URL), or the
            photometry archive is unreadable.
        UnsafeArchiveError: the archive has a member outside the destination folder.
        ValueError: invalid ``bands``, ``limit`` or ``retries``, or ``archive=True`` with ``limit``.
    """
    bands = _check_bands(bands)
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    if retries < 0:
        raise ValueError(f"retries must be >= 0, got {retries}")
    if archive and limit is not None:
        raise ValueError("archive=True fetches the whole collection; it cannot be used with limit")
    url = collection_url(collection, base_url)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    report = DownloadReport(collection, url, str(dest))
    own_session = session is None
    client = _Client(session or requests.Session(), timeout, retries, backoff)
    try:
        _fetch_metadata(client, url, dest, report)
        ids, unsafe = _star_ids(dest / IDENT)
        for star in unsafe:
            report._fail(_FetchError(urljoin(url, IDENT), f"unsafe star ID {star!r} skipped"))
        ids = ids if limit is None else ids[:limit]
        report.stars = len(ids)
        use_archive = limit is None if archive is None else archive
        if use_archive:
            report.mode = "archive"
            if _download_archive(client, url, dest, bands, progress, report):
                return report
            if archive:
                report._add("missing", urljoin(url, ARCHIVE))
                return report
            report.notes.append(f"{urljoin(url, ARCHIVE)} not found (HTTP 404): fetched one file per star")
        report.mode = "files"
        _download_files(client, url, dest, ids, bands, progress, report)
        return report
    finally:
        report.bytes_downloaded = client.bytes_written
        if own_session:
            client.session.close()
