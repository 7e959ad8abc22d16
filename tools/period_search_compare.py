"""Compare two versions of the period search (``surveys/periods.py``) on the real survey data.

The other version is a copy of the module from git, e.g. algorithm 1 (astropy's ``fast`` scan)::

    git show 2c62e4e:src/varsynth/surveys/periods.py > periods_v1.py
    python tools/period_search_compare.py --old-module periods_v1.py timing --per-survey 100
    python tools/period_search_compare.py --old-module periods_v1.py agree \\
        --old-cache CACHE_OF_A_BUILD_WITH_V1 --new-cache CACHE_OF_A_BUILD_WITH_THIS_VERSION
    python tools/period_search_compare.py --old-module periods_v1.py css --which old --out v1.jsonl
    python tools/period_search_compare.py css --which new --out v2.jsonl
    python tools/period_search_compare.py css-report v1.jsonl v2.jsonl

``timing``: CPU time per light curve of both versions on the same CRTS, Gaia DR3 and ASAS curves in
one process, alternating per curve. ``agree``: both versions' cached results for every searched
star (nothing is searched; keys as each version computes them). ``css``: search the Catalina SSS
stars (every ``--every``-th by ID, the first ``--limit``), whose periods are published, appending to ``--out`` (an
interrupted run resumes); ``css-report``: the fraction within 1% of the published period and the
fraction passing ``period_ok``, for both. Light curves are the readers' cleaned points, exactly as
they pass them to ``find_period``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from multiprocessing import Pool
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from varsynth.surveys import asas, crts, gaia_dr3
from varsynth.surveys import periods as current
from varsynth.surveys.registry import read_survey
from varsynth.surveys.skips import ReaderError, SkipLog

ROOT = Path("../shared/data")
READERS = {"crts": (crts, "crts-periodic"), "gaia-dr3": (gaia_dr3, "gaia-dr3-epoch"), "asas": (asas, "asas")}
_module: ModuleType = current  # the version a `css` worker runs


def load_module(path: Path) -> ModuleType:
    """Import another version of ``surveys/periods.py`` from ``path`` (as ``periods_other``)."""
    spec = importlib.util.spec_from_file_location("periods_other", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["periods_other"] = module
    spec.loader.exec_module(module)
    return module


def searched_curves(survey: str, every: int = 1, limit: int | None = None) -> Iterator[tuple[Any, ...]]:
    """``(star_id, vclass, subtype, time, mag, err, double)`` of every ``every``-th star of ``survey``."""
    reader, folder = READERS[survey]
    tasks = reader._tasks(ROOT / folder, SkipLog(), None, current.SearchParams(), None)[::every]
    count = 0
    for task in tasks:
        try:
            (t, mag, err), _ = reader._parse_star(task, SkipLog())
        except ReaderError:
            continue
        if t.size >= current.MIN_POINTS and (limit is None or count < limit):
            count += 1
            yield task.star_id, task.vclass, task.subtype, t, mag, err, task.vclass in current.DOUBLED_CLASSES


def timing(old: ModuleType, per_survey: int) -> None:
    """CPU milliseconds per light curve of both versions, per survey, and their ratio."""
    for survey, files in (("crts", 6779), ("gaia-dr3", 2500), ("asas", 2996)):
        cpu = {"old": 0.0, "new": 0.0}
        same, curves = 0, list(searched_curves(survey, every=files // per_survey, limit=per_survey))
        for _, _, _, t, mag, err, double in curves:
            found = {}
            for name, module in (("old", old), ("new", current)):
                start = time.process_time()
                found[name] = module.find_period(t, mag, err, double=double).period
                cpu[name] += time.process_time() - start
            same += abs(found["new"] / found["old"] - 1) < 1e-3
        n = len(curves)
        print(
            f"{survey}: {n} curves, old {1e3 * cpu['old'] / n:.1f} ms, new {1e3 * cpu['new'] / n:.1f} ms CPU per curve,"
            f" ratio {cpu['old'] / cpu['new']:.2f}; same period (0.1%): {same}/{n}"
        )


def _kind(a: float, b: float) -> str:
    """How period ``b`` differs from ``a``: same (0.1%), within 1%, harmonic, daily or yearly alias, other."""
    if abs(b / a - 1) < 1e-3:
        return "same"
    if abs(b / a - 1) < 1e-2:
        return "within 1%"
    for ratio in (2.0, 0.5, 3.0, 1 / 3):
        if abs(b / a / ratio - 1) < 1e-2:
            return f"harmonic x{ratio:.3g}"
    gap = abs(1 / a - 1 / b)
    if min(abs(gap - k / day) for k in (0.5, 1, 2, 3, 4) for day in (1.0, 0.99726957)) < 0.01 * max(1 / a, 1 / b):
        return "daily alias"
    return "yearly alias" if min(abs(gap - k / 365.25) for k in (1, 2)) < 0.2 / 365.25 else "other"


def agree(old: ModuleType, old_cache: Path, new_cache: Path) -> None:
    """Per survey: stars compared, fraction of equal periods (0.1%), period_ok counts, kinds of differences."""

    def cached(module: ModuleType, folder: Path, t: Any, mag: Any, err: Any, double: bool) -> Any:
        key = module.PeriodCache.key(t, mag, err, double=double, params=module.SearchParams())
        path = folder / f"{key}.json"
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        return module.PeriodResult(**{f: data[f] for f in module.PeriodResult.__dataclass_fields__})

    for survey in READERS:
        rows, missing = [], 0
        for _, vclass, subtype, t, mag, err, double in searched_curves(survey):
            a, b = cached(old, old_cache, t, mag, err, double), cached(current, new_cache, t, mag, err, double)
            if a is None or b is None:
                missing += 1
                continue
            ok = (old.period_ok(a, vclass, subtype), current.period_ok(b, vclass, subtype))
            rows.append((vclass, _kind(a.period, b.period), *ok))
        same = sum(kind == "same" for _, kind, _, _ in rows)
        print(
            f"{survey}: {len(rows)} stars ({missing} not in both caches), same period (0.1%): {same}"
            f" ({same / max(len(rows), 1):.4f}); period_ok old {sum(r[2] for r in rows)}, new {sum(r[3] for r in rows)}"
        )
        print("   differences:", dict(Counter((vclass, kind) for vclass, kind, _, _ in rows if kind != "same")))


def _css_search(item: tuple[Any, ...]) -> dict[str, Any]:
    star_id, vclass, subtype, catalog, t, mag, err = item
    row: dict[str, Any] = {"star_id": star_id, "vclass": vclass, "subtype": subtype, "catalog": catalog}
    try:
        result = _module.find_period(t, mag, err, double=vclass in _module.DOUBLED_CLASSES)
        row["period"], row["ok"] = result.period, _module.period_ok(result, vclass, subtype)
    except ValueError:
        row["period"], row["ok"] = None, False
    return row


def css(module: ModuleType, out: Path, every: int, limit: int | None, workers: int) -> None:
    """Search every ``every``-th Catalina SSS star (by ID; the first ``limit`` of them) with ``module``,
    appending to ``out``."""
    global _module
    _module = module
    done = {json.loads(line)["star_id"] for line in out.read_text().splitlines()} if out.exists() else set()
    stars = sorted(read_survey("css", ROOT, skips=SkipLog()), key=lambda lc: lc.star_id)[::every][:limit]
    items = [
        (lc.star_id, lc.vclass, lc.subtype, lc.period, np.asarray(lc.time), np.asarray(lc.mag), np.asarray(lc.mag_err))
        for lc in stars
        if lc.star_id not in done
    ]
    print(f"{len(stars)} stars, {len(items)} to search")
    with Pool(workers) as pool, out.open("a") as handle:
        for row in pool.imap(_css_search, items, chunksize=8):
            handle.write(json.dumps(row) + "\n")


def css_report(old_file: Path, new_file: Path) -> None:
    """Per class and in all: stars, fraction within 1% of the published period, fraction period_ok."""
    results = [{r["star_id"]: r for r in map(json.loads, f.read_text().splitlines())} for f in (old_file, new_file)]
    common = sorted(set(results[0]) & set(results[1]))
    classes = sorted({results[0][s]["vclass"] for s in common})
    for vclass in [*classes, None]:
        ids = [s for s in common if vclass is None or results[0][s]["vclass"] == vclass]
        line = f"{vclass or 'all'}: {len(ids)} stars"
        for name, res in zip(("old", "new"), results):
            periods = [(res[s]["period"], res[s]["catalog"]) for s in ids]
            hit = sum(p is not None and abs(p / catalog - 1) < 0.01 for p, catalog in periods)
            ok = sum(res[s]["ok"] for s in ids)
            line += f"; {name}: within 1% {hit / len(ids):.4f}, period_ok {ok / len(ids):.4f}"
        print(line)
    same = sum(
        None not in (results[0][s]["period"], results[1][s]["period"])
        and abs(results[1][s]["period"] / results[0][s]["period"] - 1) < 1e-3
        for s in common
    )
    print(f"old and new within 0.1% of each other: {same}/{len(common)}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--old-module", type=Path, help="the other version of surveys/periods.py")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("timing").add_argument("--per-survey", type=int, default=100)
    a = sub.add_parser("agree")
    a.add_argument("--old-cache", type=Path, required=True)
    a.add_argument("--new-cache", type=Path, required=True)
    c = sub.add_parser("css")
    c.add_argument("--which", choices=["old", "new"], required=True)
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--every", type=int, default=2)
    c.add_argument("--limit", type=int, help="only the first LIMIT of those stars")
    c.add_argument("--workers", type=int, default=2)
    r = sub.add_parser("css-report")
    r.add_argument("old_file", type=Path)
    r.add_argument("new_file", type=Path)
    args = p.parse_args()
    if args.command == "css-report":
        return css_report(args.old_file, args.new_file)
    if args.command == "css" and args.which == "new":
        return css(current, args.out, args.every, args.limit, args.workers)
    if args.old_module is None:
        p.error(f"{args.command} needs --old-module")
    old = load_module(args.old_module)
    if args.command == "timing":
        timing(old, args.per_survey)
    elif args.command == "agree":
        agree(old, args.old_cache, args.new_cache)
    else:
        css(old, args.out, args.every, args.limit, args.workers)


if __name__ == "__main__":
    main()
