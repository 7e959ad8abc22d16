"""Tests of the OGLE downloader against a real HTTP server on 127.0.0.1 (never the internet).

The server serves a folder in the OGLE archive layout (README, fixed-width ident.dat, a parameter
table, phot/I|V/<ID>.dat, phot.tar.gz) and can be told to fail: answer 5xx a few times, close the
connection mid-body, or serve a malicious archive. It logs every request, so resuming can be
checked from the server side. The last tests download OIII-CVS-format collections and read them
with ``read_ogle`` end to end.
"""

from __future__ import annotations

import functools
import io
import os
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import requests
from conftest import shared_dir
from hypothesis import given
from hypothesis import strategies as st

from varsynth.surveys.ogle import read_ogle
from varsynth.surveys.ogle.download import (
    COLLECTIONS,
    DownloadError,
    UnknownCollectionError,
    UnsafeArchiveError,
    _member_target,
    download_ogle,
    extract_phot_archive,
    list_collections,
)
from varsynth.surveys.skips import SkipLog

COLLECTION = "ogle3-lmc-cep"
STARS = [f"OGLE-LMC-CEP-{i:04d}" for i in (1, 2, 3, 4)]
FAST = {"timeout": 5.0, "retries": 3, "backoff": 0.01}

README_TEXT = """\
This directory contains the first part of the OGLE-III Catalog of Variable
Stars - classical Cepheids in the Large Magellanic Cloud.

The directory structure is as follows:

README            - this file
ident.dat         - identification of stars
cepF.dat          - parameters of fundamental-mode (F) Cepheids
phot/I/           - I-band photometry of individual objects
phot/V/           - V-band photometry of individual objects
phot.tar.gz       - gzipped phot/ directory
"""


# ---------------------------------------------------------------- the test server


class _Server(ThreadingHTTPServer):
    """Serves a folder; logs requests; injects failures per URL path."""

    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), functools.partial(_Handler, directory=str(root)))
        self.lock = threading.Lock()
        self.log: list[tuple[str, str]] = []
        self.fail_with: dict[str, list[int]] = {}  # path -> statuses to answer first
        self.truncate: set[str] = set()  # paths whose body is cut in half, then the socket closed

    def requests_for(self, method: str, suffix: str = "") -> list[str]:
        with self.lock:
            return [p for m, p in self.log if m == method and p.endswith(suffix)]


class _Handler(SimpleHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep tests quiet
        pass

    def _log_and_fail(self, method: str) -> bool:
        with self.server.lock:
            self.server.log.append((method, self.path))
            planned = self.server.fail_with.get(self.path)
            status = planned.pop(0) if planned else None
        if status is not None:
            self.send_error(status)
            return True
        return False

    def do_HEAD(self) -> None:
        if not self._log_and_fail("HEAD"):
            super().do_HEAD()

    def do_GET(self) -> None:
        if self._log_and_fail("GET"):
            return
        if self.path in self.server.truncate:
            body = Path(self.translate_path(self.path)).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@dataclass
class Archive:
    """A served OGLE collection: server, URLs and the served folder."""

    server: _Server
    base_url: str
    folder: Path  # served collection folder (…/lmc/cep)

    def path(self, rel: str) -> str:
        """URL path of a file of the collection, as the server logs it."""
        return "/ogle3/OIII-CVS/lmc/cep/" + rel


def _ident_line(star: str, i: int) -> str:
    """One ident.dat line in the OIII-CVS LMC Cepheid fixed-width format (README byte ranges)."""
    return (
        f"{star:<17}  {'LMC100.1':<8} {1000 + i:>6} {'F':<8}  "
        f"05:{10 + i:02d}:{12.34 + i:05.2f} -69:{20 + i:02d}:{30.5:04.1f}  "
        f"{'OLMC_SC1 ' + str(i):<15}  {'':<14}\n"
    )


def _phot_text(seed: int, n: int) -> str:
    """A light curve in the OGLE photometry format: F10.5 HJD-2450000, F6.3 mag, F5.3 err."""
    rng = np.random.default_rng(seed)
    t = np.sort(2100 + rng.uniform(0, 2900, n))
    mag = 15.0 + 0.4 * np.sin(2 * np.pi * t / 3.7) + rng.normal(0, 0.01, n)
    err = rng.uniform(0.003, 0.05, n)
    return "".join(f"{a:10.5f} {b:6.3f} {c:5.3f}\n" for a, b, c in zip(t, mag, err))


def _tar_bytes(entries: dict[str, bytes], symlink: str | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if symlink:
            link = tarfile.TarInfo(symlink)
            link.type = tarfile.SYMTYPE
            link.linkname = "/etc/passwd"
            tar.addfile(link)
    return buf.getvalue()


def _make_collection(folder: Path) -> None:
    (folder / "phot" / "I").mkdir(parents=True)
    (folder / "phot" / "V").mkdir(parents=True)
    (folder / "README").write_text(README_TEXT)
    (folder / "ident.dat").write_text("".join(_ident_line(s, i) for i, s in enumerate(STARS)))
    (folder / "cepF.dat").write_text("".join(f"{s}  15.000 15.700   3.1234567\n" for s in STARS))
    entries = {}
    for i, star in enumerate(STARS):
        for j, band in enumerate("IV"):
            text = _phot_text(10 * i + j, 40 if band == "I" else 12).encode()
            (folder / "phot" / band / f"{star}.dat").write_bytes(text)
            entries[f"phot/{band}/{star}.dat"] = text
    (folder / "phot.tar.gz").write_bytes(_tar_bytes(entries))


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    root = tmp_path / "served"
    folder = root / "ogle3" / "OIII-CVS" / "lmc" / "cep"
    _make_collection(folder)
    server = _Server(root)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield Archive(server, f"http://127.0.0.1:{server.server_port}/ogle3/OIII-CVS/", folder)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _phot_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.glob("phot/*/*.dat"))}


def _partial_files(folder: Path) -> list[Path]:
    """Hidden temporary files of unfinished writes (``.NAME.PID-XXXXXXXX.tmp``, varsynth.atomic)."""
    return [p for p in folder.rglob(".*") if p.is_file() and (".tmp" in p.name or p.name.endswith(".part"))]


# ---------------------------------------------------------------- collections table


def test_list_collections_has_the_main_classes_and_valid_paths() -> None:
    names = list_collections()
    assert names == sorted(names)
    for wanted in (
        "ogle3-lmc-cep",
        "ogle3-smc-cep",
        "ogle3-lmc-rrlyr",
        "ogle3-blg-rrlyr",
        "ogle3-lmc-ecl",
        "ogle3-lmc-t2cep",
        "ogle3-lmc-acep",
        "ogle3-lmc-dsct",
        "ogle3-lmc-lpv",
        "ogle3-blg-t2cep",
    ):
        assert wanted in names
    for name, path in COLLECTIONS.items():
        field, cls = path.rstrip("/").split("/")
        assert name == f"ogle3-{field}-{cls}" and field in {"lmc", "smc", "blg"}


def test_unknown_collection_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UnknownCollectionError, match=r"'ogle3-lmc-nope'.*known: .*ogle3-lmc-cep"):
        download_ogle("ogle3-lmc-nope", tmp_path, **FAST)
    assert not any(tmp_path.iterdir())


def test_unreachable_ident_names_the_url(archive: Archive, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"127\.0\.0\.1:\d+/ogle3/OIII-CVS/lmc/nothere/ident\.dat.*404"):
        download_ogle("lmc/nothere/", tmp_path, base_url=archive.base_url, **FAST)
    # a server that is not there at all: connection refused, after retries
    port = archive.server.server_port
    archive.server.shutdown()
    archive.server.server_close()
    with pytest.raises(DownloadError, match=rf"http://127\.0\.0\.1:{port}/.*ident\.dat.*gave up after 2"):
        download_ogle(COLLECTION, tmp_path, base_url=archive.base_url, timeout=2, retries=1, backoff=0.01)


# ---------------------------------------------------------------- full downloads


@pytest.mark.parametrize("use_archive", [False, True])
def test_full_download_reproduces_the_served_files(archive: Archive, tmp_path: Path, use_archive: bool) -> None:
    report = download_ogle(COLLECTION, tmp_path, base_url=archive.base_url, archive=use_archive, **FAST)
    assert report.mode == ("archive" if use_archive else "files")
    assert _phot_files(tmp_path) == _phot_files(archive.folder)
    for name in ("ident.dat", "README", "cepF.dat"):
        assert (tmp_path / name).read_bytes() == (archive.folder / name).read_bytes()
    n_phot = 2 * len(STARS)
    extra = 1 if use_archive else 0  # phot.tar.gz itself
    assert (report.downloaded, report.skipped_existing, report.missing, report.failed) == (3 + n_phot + extra, 0, 0, 0)
    assert report.stars == len(STARS) and report.ok and report.bytes_downloaded > 0
    assert not _partial_files(tmp_path)
    assert f"downloaded {3 + n_phot + extra} files" in report.summary()


def test_default_mode_uses_archive_for_whole_collection_and_files_with_limit(archive: Archive, tmp_path: Path) -> None:
    whole = download_ogle(COLLECTION, tmp_path / "whole", base_url=archive.base_url, **FAST)
    assert whole.mode == "archive"
    some = download_ogle(COLLECTION, tmp_path / "some", base_url=archive.base_url, limit=2, bands=["I"], **FAST)
    assert some.mode == "files" and some.stars == 2
    assert sorted(_phot_files(tmp_path / "some")) == [f"phot/I/{s}.dat" for s in STARS[:2]]
    with pytest.raises(ValueError, match="limit"):
        download_ogle(COLLECTION, tmp_path, base_url=archive.base_url, limit=2, archive=True)
    with pytest.raises(ValueError, match="bands"):
        download_ogle(COLLECTION, tmp_path, base_url=archive.base_url, bands=["R"])


def test_missing_archive_falls_back_to_files(archive: Archive, tmp_path: Path) -> None:
    (archive.folder / "phot.tar.gz").unlink()
    report = download_ogle(COLLECTION, tmp_path, base_url=archive.base_url, **FAST)
    assert report.mode == "files" and report.missing == 0 and "not found" in report.notes[0]
    assert _phot_files(tmp_path) == _phot_files(archive.folder)


def test_downloaded_files_read_as_light_curves(archive: Archive, tmp_path: Path) -> None:
    download_ogle(COLLECTION, tmp_path, base_url=archive.base_url, archive=False, **FAST)
    for i, star in enumerate(STARS):
        lc = np.loadtxt(tmp_path / "phot" / "I" / f"{star}.dat")
        assert lc.shape == (40, 3)
        assert np.all(np.diff(lc[:, 0]) >= 0) and np.all(lc[:, 2] > 0)
        assert np.allclose(lc, np.loadtxt(io.StringIO(_phot_text(10 * i, 40))))
    ids = [line.split()[0] for line in (tmp_path / "ident.dat").read_text().splitlines()]
    assert ids == STARS


# ---------------------------------------------------------------- resume, 404, retries, truncation


@pytest.mark.parametrize("use_archive", [False, True])
def test_resume_skips_existing_files(archive: Archive, tmp_path: Path, use_archive: bool) -> None:
    first = download_ogle(COLLECTION, tmp_path, base_url=archive.base_url, archive=use_archive, **FAST)
    with archive.server.lock:
        archive.server.log.clear()
    again = download_ogle(COLLECTION, tmp_path, base_url=archive.base_url, archive=use_archive, **FAST)
    assert archive.server.requests_for("GET") == []  # only HEAD size checks
    assert again.downloaded == 0 and again.skipped_existing == first.downloaded

    # an interrupted run: one file is gone, one is shorter than on the server
    lost = tmp_path / "phot" / "V" / f"{STARS[1]}.dat"
    lost.unlink()
    short = tmp_path / "phot" / "I" / f"{STARS[2]}.dat"
    short.write_bytes(short.read_bytes()[:20])
    with archive.server.lock:
        archive.server.log.clear()
    resumed = download_ogle(COLLECTION, tmp_path, base_url=archive.base_url, archive=use_archive, **FAST)
    assert resumed.downloaded == 2 and resumed.failed == 0
    assert _phot_files(tmp_path) == _phot_files(archive.folder)
    if not use_archive:
        assert sorted(archive.server.requests_for("GET")) == sorted(
            [archive.path(f"phot/V/{STARS[1]}.dat"), archive.path(f"phot/I/{STARS[2]}.dat")]
        )
    else:  # the kept archive is complete: extraction alone repairs the folder
        assert archive.server.requests_for("GET") == []


@pytest.mark.parametrize("use_archive", [False, True])
def test_reissued_file_of_same_size_is_fetched_again(archive: Archive, tmp_path: Path, use_archive: bool) -> None:
    download_ogle(COLLECTION, tmp_path, base_url=archive.base_url, archive=use_archive, **FAST)
    rel = f"phot/I/{STARS[3]}.dat"
    served = archive.folder / rel
    recalibrated = served.read_bytes().replace(b" 1", b" 2", 1)  # same size, new digits
    assert len(recalibrated) == served.stat().st_size and recalibrated != served.read_bytes()
    served.write_bytes(recalibrated)
    if use_archive:
        later = time.time() + 100
        entries = _phot_files(archive.folder)
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            for name, data in entries.items():
                info = tarfile.TarInfo(name)
                info.size, info.mtime = len(data), later if name == rel else 0
                tar.addfile(info, io.BytesIO(data))
        (archive.folder / "phot.tar.gz").write_bytes(buf.getvalue())
    future = time.time() + 100
    os.utime(served, (future, future))
    os.utime(archive.folder / "phot.tar.gz", (future, future))
    report = download_ogle(COLLECTION, tmp_path, base_url=archive.base_url, archive=use_archive, **FAST)
    assert (tmp_path / rel).read_bytes() == recalibrated
    assert report.downloaded == (2 if use_archive else 1)  # archive + the one member, or the file


def test_missing_star_is_counted_not_fatal(archive: Archive, tmp_path: Path) -> None:
    (archive.folder / "phot" / "V" / f"{STARS[2]}.dat").unlink()
    report = download_ogle(COLLECTION, tmp_path, base_url=archive.base_url, archive=False, **FAST)
    assert report.missing == 1 and report.failed == 0 and report.ok
    assert report.missing_urls == [archive.base_url + f"lmc/cep/phot/V/{STARS[2]}.dat"]
    assert report.downloaded == 3 + 2 * len(STARS) - 1
    assert not (tmp_path / "phot" / "V" / f"{STARS[2]}.dat").exists()
    assert "missing (HTTP 404) 1" in report.summary()


def test_server_errors_are_retried(archive: Archive, tmp_path: Path) -> None:
    path = archive.path(f"phot/I/{STARS[0]}.dat")
    archive.server.fail_with[path] = [500, 503]
    report = download_ogle(COLLECTION, tmp_path, base_url=archive.base_url, archive=False, **FAST)
    assert report.failed == 0 and report.downloaded == 3 + 2 * len(STARS)
    assert archive.server.requests_for("GET", path) == [path] * 3
    assert (tmp_path / "phot/I" / f"{STARS[0]}.dat").read_bytes() == (
        archive.folder / "phot/I" / f"{STARS[0]}.dat"
    ).read_bytes()


def test_persistent_server_errors_fail_one_file_only(archive: Archive, tmp_path: Path) -> None:
    path = archive.path(f"phot/I/{STARS[0]}.dat")
    archive.server.fail_with[path] = [500] * 10
    report = download_ogle(
        COLLECTION, tmp_path, base_url=archive.base_url, archive=False, timeout=5, retries=2, backoff=0.01
    )
    assert report.failed == 1 and not report.ok
    assert report.failures[0].url.endswith(f"phot/I/{STARS[0]}.dat")
    assert "HTTP 500" in report.failures[0].reason and "3 attempts" in report.failures[0].reason
    assert report.downloaded == 3 + 2 * len(STARS) - 1
    assert "failed 1" in report.summary()


def test_connection_closed_mid_body_leaves_no_partial_file(archive: Archive, tmp_path: Path) -> None:
    star = f"phot/I/{STARS[1]}.dat"
    archive.server.truncate.add(archive.path(star))
    report = download_ogle(
        COLLECTION, tmp_path, base_url=archive.base_url, archive=False, timeout=5, retries=1, backoff=0.01
    )
    assert report.failed == 1 and report.failures[0].url.endswith(star)
    assert "IncompleteRead" in report.failures[0].reason
    assert len(archive.server.requests_for("GET", star)) == 2
    assert not (tmp_path / star).exists()
    assert not _partial_files(tmp_path)

    # an older complete copy of a different size stays untouched by a failed re-download
    (tmp_path / star).write_text("old copy\n")
    report = download_ogle(
        COLLECTION, tmp_path, base_url=archive.base_url, archive=False, timeout=5, retries=0, backoff=0.01
    )
    assert report.failed == 1 and (tmp_path / star).read_text() == "old copy\n"
    assert not _partial_files(tmp_path)


class _KilledSession(requests.Session):
    """A session whose photometry downloads are interrupted (Ctrl-C) after the first chunk."""

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
        resp = super().request(method, url, *args, **kwargs)
        if method == "GET" and "/phot/" in url:
            chunks = resp.iter_content

            def killed(*a, **k):  # type: ignore[no-untyped-def]
                yield next(iter(chunks(*a, **k)))
                raise KeyboardInterrupt

            resp.iter_content = killed  # type: ignore[method-assign]
        return resp


def test_interrupted_download_leaves_no_partial_file(archive: Archive, tmp_path: Path) -> None:
    with _KilledSession() as session, pytest.raises(KeyboardInterrupt):
        download_ogle(COLLECTION, tmp_path, base_url=archive.base_url, archive=False, session=session, **FAST)
    assert (tmp_path / "ident.dat").is_file()
    assert not (tmp_path / "phot" / "I" / f"{STARS[0]}.dat").exists()
    assert not _partial_files(tmp_path)
    # the next run resumes: ident.dat and README are skipped, photometry fetched
    report = download_ogle(COLLECTION, tmp_path, base_url=archive.base_url, archive=False, **FAST)
    assert report.skipped_existing == 3 and report.downloaded == 2 * len(STARS)


def test_archive_server_error_is_retried(archive: Archive, tmp_path: Path) -> None:
    path = archive.path("phot.tar.gz")
    archive.server.fail_with[path] = [502]
    report = download_ogle(COLLECTION, tmp_path, base_url=archive.base_url, archive=True, **FAST)
    assert report.ok and len(archive.server.requests_for("GET", "phot.tar.gz")) == 2
    assert _phot_files(tmp_path) == _phot_files(archive.folder)


# ---------------------------------------------------------------- archive safety


def test_archive_with_parent_member_is_rejected(archive: Archive, tmp_path: Path) -> None:
    evil = {"phot/I/OGLE-LMC-CEP-0001.dat": b"2100.00000 15.000 0.010\n", "../evil.dat": b"pwned\n"}
    (archive.folder / "phot.tar.gz").write_bytes(_tar_bytes(evil))
    dest = tmp_path / "dest"
    with pytest.raises(UnsafeArchiveError, match=r"\.\./evil\.dat"):
        download_ogle(COLLECTION, dest, base_url=archive.base_url, archive=True, **FAST)
    assert not (tmp_path / "evil.dat").exists()
    assert not (dest / "phot").exists()  # checked before anything was extracted


@pytest.mark.parametrize("bad", ["/tmp/abs.dat", "phot/I/../../x.dat", "C:/x.dat"])
def test_absolute_and_dotdot_members_are_rejected(tmp_path: Path, bad: str) -> None:
    tar = tmp_path / "a.tar.gz"
    tar.write_bytes(_tar_bytes({bad: b"x\n"}))
    with pytest.raises(UnsafeArchiveError):
        extract_phot_archive(tar, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()


def test_only_regular_files_of_wanted_bands_are_extracted(tmp_path: Path) -> None:
    tar = tmp_path / "a.tar.gz"
    tar.write_bytes(
        _tar_bytes(
            {"./phot/I/A.dat": b"1\n", "V/B.dat": b"2\n", "phot/V/C.dat": b"3\n", "notes.txt": b"n\n"},
            symlink="phot/I/link.dat",
        )
    )
    result = extract_phot_archive(tar, tmp_path / "d", bands=["I"])
    assert (result.extracted, result.skipped_existing, result.ignored) == (1, 0, 4)
    assert (tmp_path / "d/phot/I/A.dat").read_bytes() == b"1\n"
    assert not (tmp_path / "d/phot/I/link.dat").exists()
    again = extract_phot_archive(tar, tmp_path / "d", bands=["I"])
    assert (again.extracted, again.skipped_existing) == (0, 1)


def test_unreadable_archive_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "phot.tar.gz"
    bad.write_bytes(b"this is not a tar archive")
    with pytest.raises(DownloadError, match="cannot read photometry archive"):
        extract_phot_archive(bad, tmp_path)


@given(
    st.lists(
        st.sampled_from(["phot", "I", "V", "..", ".", "", "a.dat", "OGLE-X.dat", "/", "\\"]), min_size=1, max_size=5
    )
)
def test_member_targets_never_escape_the_destination(parts: list[str]) -> None:
    dest = Path("/data/dest")
    name = "/".join(parts)
    try:
        target = _member_target(name, dest, ("I", "V"))
    except UnsafeArchiveError:
        return
    if target is not None:
        assert target.parent.parent == dest / "phot" and target.parent.name in ("I", "V")
        assert ".." not in target.parts


def test_progress_bars_run(archive: Archive, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    download_ogle(COLLECTION, tmp_path / "a", base_url=archive.base_url, progress=True, **FAST)
    download_ogle(COLLECTION, tmp_path / "f", base_url=archive.base_url, limit=1, progress=True, **FAST)
    assert "stars" in capsys.readouterr().err


# ---------------------------------------------------------------- real OGLE files


@pytest.mark.shared_data
def test_real_ogle_files_round_trip_through_http(tmp_path: Path) -> None:
    real = shared_dir("ogle3-lmc-cep")
    root = tmp_path / "served"
    folder = root / "ogle4" / "OCVS" / "lmc" / "cep"  # the shared folder is an OCVS release
    stars = sorted(p.stem for p in (real / "phot" / "I").glob("*.dat"))[:5]
    for band in ("I", "V"):
        (folder / "phot" / band).mkdir(parents=True)
        for star in stars:
            src = real / "phot" / band / f"{star}.dat"
            if src.is_file():
                (folder / "phot" / band / src.name).write_bytes(src.read_bytes())
    (folder / "ident.dat").write_bytes((real / "ident.dat").read_bytes())
    (folder / "README").write_bytes((real / "README.txt").read_bytes())
    server = _Server(root)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        start = time.perf_counter()
        report = download_ogle(
            COLLECTION,
            tmp_path / "dest",
            limit=5,
            **FAST,
            base_url=f"http://127.0.0.1:{server.server_port}/ogle4/OCVS/",
        )
        elapsed = time.perf_counter() - start
    finally:
        server.shutdown()
        server.server_close()
    assert report.stars == 5 and report.failed == 0
    assert _phot_files(tmp_path / "dest") == _phot_files(folder)
    # README lists cepF.dat ... (9 parameter tables), not served here: counted as missing
    served = len(_phot_files(folder))
    assert report.downloaded == 2 + served
    assert report.missing == 9 + (10 - served)
    for path in (tmp_path / "dest" / "phot").glob("*/*.dat"):
        lc = np.loadtxt(path)
        assert lc.ndim == 2 and lc.shape[1] == 3 and np.all(lc[:, 2] > 0)
    assert elapsed < 10


# ---------------------------------------------------------------- download, then read (OIII-CVS)


def _fixed(*parts: tuple[int, str]) -> str:
    """A fixed-width line: each text starts at its 1-based README byte."""
    line = ""
    for start, text in parts:
        line = line.ljust(start - 1) + text
    return line + "\n"


_RULE = "-" * 74
# README sections in the archive's style. ident.dat byte positions are the OIII-CVS ones (blg/rrlyr
# README; smc/ecl README shifted by one byte for the five-digit LMC numbers); the RRab.dat/RRc.dat
# and ecl.dat positions are ASSUMED (OCVS tables), the OIII-CVS ones could not be checked.
_RRLYR_README = f"""\
The OGLE-III Catalog of Variable Stars. XI. RR Lyrae Stars in the Galactic Bulge

README            - this file
ident.dat         - identification of stars
RRab.dat          - parameters of RRab stars
RRc.dat           - parameters of RRc stars
phot/I/           - I-band photometry of individual objects
phot/V/           - V-band photometry of individual objects

Format of the files RRab.dat and RRc.dat:
{_RULE}
 Bytes  Format Units   Description
{_RULE}
  1- 20  A20   ---     Star's ID
 23- 28  F6.3  mag     Intensity mean I-band magnitude
 30- 35  F6.3  mag     Intensity mean V-band magnitude
 38- 46  F9.7  days    Period
 48- 56  F9.7  days    Uncertainty of period
 59- 68  F10.5 days    Time of maximum brightness (HJD-2450000)
 71- 75  F5.3  mag     I-band amplitude (maximum-minimum)
{_RULE}
"""

_ECL_README = f"""\
The OGLE-III Catalog of Variable Stars. XII. Eclipsing Binary Stars in the LMC

README            - this file
ecl.dat           - parameters of stars
ident.dat         - identification of stars
phot/I/           - I-band photometry of individual objects
phot/V/           - V-band photometry of individual objects

Format of files ecl.dat:
{_RULE}
 Bytes  Format Units   Description
{_RULE}
  1- 18  A18   ---     Star's ID
 21- 26  F6.3  mag     I-band magnitude at maximum light
 28- 33  F6.3  mag     V-band magnitude at maximum light
 35- 46  F12.8 days    Orbital period
 49- 60  F12.6 days    Epoch of the primary eclipse (HJD-2450000)
 62- 67  F6.3  mag     Depth of the primary eclipse
 69- 73  F5.3  mag     Depth of the secondary eclipse
{_RULE}
"""


def _rrlyr_files() -> tuple[dict[str, str], dict[str, tuple[str, str, float]]]:
    """blg/rrlyr: README, ident.dat (OIII layout), RRab.dat, RRc.dat; expected labels."""
    stars = {
        "OGLE-BLG-RRLYR-00001": ("RRab", 0.5512345),
        "OGLE-BLG-RRLYR-00002": ("RRc", 0.3012345),
        "OGLE-BLG-RRLYR-00003": ("RRab", 0.6101234),
    }
    ident = "".join(
        _fixed(
            (1, star),
            (23, "BLG101.2"),
            (32, f"{100 + i:>6}"),
            (39, sub),
            (45, f"17:59:{i:02d}.50"),
            (57, "-29:05:03.0"),
            (69, f"BUL_SC1 {i}"),
        )
        for i, (star, (sub, _)) in enumerate(stars.items())
    )
    tables = {"RRab.dat": "", "RRc.dat": ""}
    for star, (sub, period) in stars.items():
        tables[f"{sub}.dat"] += _fixed(
            (1, star),
            (23, "15.123"),
            (30, "16.456"),
            (38, f"{period:9.7f}"),
            (48, "0.0000012"),
            (59, "3000.12345"),
            (71, "0.612"),
        )
    expected = {star: ("RRLYR", sub, period) for star, (sub, period) in stars.items()}
    return {"README": _RRLYR_README, "ident.dat": ident, **tables}, expected


def _ecl_files() -> tuple[dict[str, str], dict[str, tuple[str, str, float]]]:
    """lmc/ecl: README, ident.dat (OIII layout with types EC/ED/ESD), ecl.dat; expected labels."""
    stars = {
        "OGLE-LMC-ECL-00001": ("EC", 0.35123456),
        "OGLE-LMC-ECL-00002": ("ED", 2.71234567),
        "OGLE-LMC-ECL-00003": ("ESD", 1.11111111),
    }
    ident = "".join(
        _fixed(
            (1, star),
            (21, "LMC100.1"),
            (30, f"{100 + i:>6}"),
            (37, kind),
            (41, f"05:{i:02d}:12.34"),
            (53, "-69:20:30.5"),
        )
        for i, (star, (kind, _)) in enumerate(stars.items())
    )
    table = "".join(
        _fixed(
            (1, star),
            (21, "18.100"),
            (28, "18.500"),
            (35, f"{period:12.8f}"),
            (49, f"{3000.5:12.6f}"),
            (62, " 0.450"),
            (69, "0.120"),
        )
        for star, (_, period) in stars.items()
    )
    expected = {star: ("ECL", kind, period) for star, (kind, period) in stars.items()}
    return {"README": _ECL_README, "ident.dat": ident, "ecl.dat": table}, expected


@pytest.mark.parametrize(
    ("collection", "folder", "files"),
    [("ogle3-blg-rrlyr", "blg/rrlyr", _rrlyr_files), ("ogle3-lmc-ecl", "lmc/ecl", _ecl_files)],
)
def test_oiii_collection_downloads_and_reads_as_light_curves(
    tmp_path: Path,
    collection: str,
    folder: str,
    files: Callable[[], tuple[dict[str, str], dict[str, tuple[str, str, float]]]],
) -> None:
    served = tmp_path / "served" / "ogle3" / "OIII-CVS" / folder
    texts, expected = files()
    for name, text in texts.items():
        (served / name).parent.mkdir(parents=True, exist_ok=True)
        (served / name).write_text(text)
    for i, star in enumerate(expected):
        for band, n in (("I", 40), ("V", 12)):
            (served / "phot" / band).mkdir(parents=True, exist_ok=True)
            (served / "phot" / band / f"{star}.dat").write_text(_phot_text(i, n))
    server = _Server(tmp_path / "served")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        report = download_ogle(
            collection,
            tmp_path / "dest",
            archive=False,
            **FAST,
            base_url=f"http://127.0.0.1:{server.server_port}/ogle3/OIII-CVS/",
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert report.ok and report.missing == 0
    assert report.downloaded == len(texts) + 2 * len(expected)

    skips = SkipLog()
    curves = read_ogle(tmp_path / "dest", skips=skips)  # no OGLE-III catalog: periods from tables
    assert skips.total() == 0, skips.rows()
    assert [(c.star_id, c.band) for c in curves] == [(s, b) for s in expected for b in ("I", "V")]
    for curve in curves:
        assert (curve.vclass, curve.subtype, curve.period) == expected[curve.star_id]
        assert curve.meta["period_source"] == "catalog"
        assert curve.meta["period_table"] in texts and len(curve) == (40 if curve.band == "I" else 12)
        assert curve.meta["ogle3_id"].startswith(("BLG101.2.", "LMC100.1."))


def test_served_cepheid_collection_reads_with_table_periods(archive: Archive, tmp_path: Path) -> None:
    download_ogle(COLLECTION, tmp_path, base_url=archive.base_url, archive=False, **FAST)
    skips = SkipLog()
    curves = read_ogle(tmp_path, skips=skips, bands=["I"])
    assert skips.total() == 0
    assert [(c.star_id, c.vclass, c.subtype, c.period) for c in curves] == [
        (star, "CEP", "F", 3.1234567) for star in STARS
    ]
    assert curves[0].meta["mean_mag"] == {"I": 15.0, "V": 15.7}
