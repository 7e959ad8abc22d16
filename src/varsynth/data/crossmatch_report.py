"""What the cross-survey identification found, for the data card and for auditing a dataset.

:func:`crossmatch_summary` counts the candidate pairs by verdict and survey pair and the physical
stars of a dataset that have light curves from several surveys; :func:`split_leaks` counts the
physical stars whose light curves sit in more than one split of a dataset (zero for datasets built
with the cross-match; the leak of a dataset split by survey ids).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from itertools import combinations

from varsynth.data.crossmatch import PERIOD_FACTORS, SURVEY_RADIUS_ARCSEC, Identification, Pair

__all__ = ["crossmatch_summary", "split_leaks"]


def crossmatch_summary(ident: Identification, dataset_keys: Iterable[str]) -> dict[str, object]:
    """Numbers for the data card: settings, candidate pairs by verdict, and objects in the dataset.

    Arguments:
        ident: the identification of every star read.
        dataset_keys: star keys kept in the dataset (clean stars); object counts use these.
    """
    cfg = ident.config
    out: dict[str, object] = {
        "enabled": cfg.enabled,
        "radius_arcsec": cfg.radius_arcsec,
        "survey_radius_arcsec": dict(sorted(SURVEY_RADIUS_ARCSEC.items())),
        "period_check_beyond_arcsec": cfg.period_check_beyond_arcsec,
        "period_tolerance": cfg.period_tolerance,
        "period_factors": list(PERIOD_FACTORS),
        "alias_orders": cfg.alias_orders,
        "stars_read": len(ident.stars),
        "stars_with_position": sum(s.has_position for s in ident.stars),
    }
    survey_of = {s.key: s.survey for s in ident.stars}
    verdicts = Counter((p.link, p.verdict, _survey_pair(p, survey_of)) for p in ident.pairs)
    out["pairs"] = [
        {"link": link, "verdict": verdict, "surveys": surveys, "pairs": int(n)}
        for (link, verdict, surveys), n in sorted(verdicts.items())
    ]
    rejected = [p for p in ident.pairs if not p.accepted]
    out["rejected_by_period"] = len(rejected)
    out["rejected_examples"] = [f"{p.key_a} ~ {p.key_b} ({p.separation_arcsec:.2f} arcsec)" for p in rejected[:5]]
    members = _members(ident, dataset_keys)
    surveys_of_object = {o: sorted({_survey(k, survey_of) for k in ks}) for o, ks in members.items()}
    span = Counter(" + ".join(pair) for s in surveys_of_object.values() for pair in combinations(s, 2))
    out["dataset_stars"] = sum(len(ks) for ks in members.values())
    out["dataset_objects"] = len(members)
    out["dataset_objects_several_stars"] = sum(len(ks) > 1 for ks in members.values())
    out["dataset_objects_several_surveys"] = sum(len(s) > 1 for s in surveys_of_object.values())
    out["dataset_survey_pairs"] = [{"surveys": k, "objects": int(n)} for k, n in sorted(span.items())]
    return out


def _survey_pair(p: Pair, survey_of: Mapping[str, str]) -> str:
    return " + ".join(sorted((survey_of[p.key_a], survey_of[p.key_b])))


def _members(ident: Identification, keys: Iterable[str]) -> dict[str, set[str]]:
    members: dict[str, set[str]] = defaultdict(set)
    for key in set(keys):
        members[ident.object_of.get(key, key)].add(key)
    return members


def _survey(key: str, survey_of: Mapping[str, str]) -> str:
    return survey_of.get(key, key.split(":", 1)[0])


def split_leaks(ident: Identification, split_of: Mapping[str, str]) -> dict[str, object]:
    """Physical stars of a dataset whose star keys are in more than one split.

    Arguments:
        ident: the identification of the stars read.
        split_of: ``{star_key: split}`` of a dataset (e.g. ``stars.parquet``); stars the
            identification does not know are their own objects.

    Returns:
        ``objects`` (physical stars in the dataset), ``objects_in_several_splits``, per survey
        pair the objects whose two surveys' light curves are in different splits, and up to five
        examples (``star_key: split`` lists).
    """
    survey_of = {s.key: s.survey for s in ident.stars}
    members = _members(ident, split_of)
    leaking = {o: ks for o, ks in members.items() if len({split_of[k] for k in ks}) > 1}
    by_pair: Counter = Counter()
    for keys in leaking.values():
        for a, b in combinations(sorted(keys), 2):
            if split_of[a] != split_of[b]:
                by_pair[" + ".join(sorted((_survey(a, survey_of), _survey(b, survey_of))))] += 1
    return {
        "objects": len(members),
        "objects_in_several_splits": len(leaking),
        "star_pairs_split_apart": [{"surveys": k, "pairs": int(n)} for k, n in sorted(by_pair.items())],
        "examples": [", ".join(f"{k}: {split_of[k]}" for k in sorted(leaking[o])) for o in sorted(leaking)[:5]],
    }
