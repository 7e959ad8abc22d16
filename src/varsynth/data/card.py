"""The data card: the paper's Table 1 per class and survey, splits, skips, periods, provenance.

``data_card.json`` holds every number; ``data_card.md`` renders the same numbers as tables for
people. Neither holds a timestamp or a machine path, so a rebuild gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from varsynth.config import DataConfig
from varsynth.data.catalog_amplitudes import amplitude_counts
from varsynth.data.catalog_labels import label_changes
from varsynth.data.crossmatch import Identification
from varsynth.data.crossmatch_report import crossmatch_summary
from varsynth.data.io import atomic_write
from varsynth.data.samples import CleanCurve, Sample
from varsynth.lightcurve import PHYSICS_NAMES, LightCurve
from varsynth.surveys.skips import SkipLog
from varsynth.taxonomy import CLASSES

__all__ = ["build_card", "write_card", "render_markdown", "TABLE1_COLUMNS"]

#: Columns of the Table-1-like summary, in order.
TABLE1_COLUMNS: tuple[str, ...] = (
    "stars_original",
    "lightcurves_original",
    "lightcurves_clean",
    "stars_clean",
    "stars_teff_gaia",
    "stars_teff_derived",
    "stars_abs_mag",
    "augmented",
    "train",
    "val",
    "test",
)

CREDITS: tuple[str, ...] = (
    "OGLE-III: Udalski et al. 2008; Soszynski et al. 2008, 2015 (Acta Astron.)",
    "Gaia DR2: Gaia Collaboration 2018; distances Bailer-Jones et al. 2018; cross-match from "
    "the PELS-VAE release (Martinez-Palomera, Bloom & Abrahams 2022, AJ 164, 263; MIT)",
    "EROS-1: the EROS collaboration, via the RAMP variable-stars kit",
    "SDSS Stripe 82 RR Lyrae: Sesar et al. 2010, ApJ 708, 717",
    "CRTS: Drake et al. 2009, 2014 (ApJ 696, 870; ApJS 213, 9)",
    "Gaia DR3: Gaia Collaboration 2023; Eyer et al. 2023",
    "Catalina SSS: Drake et al. 2017, MNRAS 469, 3688 (via the public ICVaS collection, Hosenie et al. 2020)",
    "ASAS: Pojmanski 2002, Acta Astron. 52, 397; ACVS labels Richards et al. 2012, ApJS 203, 32",
)


def _stars(lcs: Sequence[LightCurve]) -> dict[str, LightCurve]:
    out: dict[str, LightCurve] = {}
    for lc in lcs:
        out.setdefault(lc.key, lc)
    return out


def _table1(
    lcs: Sequence[LightCurve], clean: Sequence[CleanCurve], by_split: dict[str, list[Sample]]
) -> list[dict[str, object]]:
    rows: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for lc in _stars(lcs).values():
        rows[(lc.vclass, lc.survey)]["stars_original"] += 1
    for lc in lcs:
        rows[(lc.vclass, lc.survey)]["lightcurves_original"] += 1
    for cc in clean:
        rows[(cc.lc.vclass, cc.lc.survey)]["lightcurves_clean"] += 1
    for lc in _stars([cc.lc for cc in clean]).values():
        row = rows[(lc.vclass, lc.survey)]
        row["stars_clean"] += 1
        row[f"stars_teff_{lc.physics['teff'].source}"] += 1
        row["stars_abs_mag"] += int(not lc.physics["abs_mag"].is_missing)
    for split, samples in by_split.items():
        for s in samples:
            row = rows[(s.source.lc.vclass, s.source.lc.survey)]
            row[split] += 1
            row["augmented"] += int(s.aug_index > 0)
    table = []
    totals: dict[str, Counter] = defaultdict(Counter)
    for vclass, survey in sorted(rows, key=lambda k: (CLASSES.index(k[0]), k[1])):
        counts = {c: int(rows[(vclass, survey)][c]) for c in TABLE1_COLUMNS}
        table.append({"class": vclass, "survey": survey, **counts})
        totals[vclass].update(counts)
        totals["Total"].update(counts)
    for vclass in [c for c in CLASSES if c in totals] + ["Total"]:
        table.append({"class": vclass, "survey": "all", **{c: int(totals[vclass][c]) for c in TABLE1_COLUMNS}})
    return table


def _period_search(lcs: Sequence[LightCurve]) -> list[dict[str, object]]:
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for lc in _stars(lcs).values():
        if lc.meta.get("period_source") != "lomb-scargle":
            continue
        c = counts[(lc.survey, lc.vclass)]
        c["stars"] += 1
        c["ok"] += int(bool(lc.meta.get("period_ok")))
    return [
        {
            "survey": s,
            "class": v,
            "stars": int(c["stars"]),
            "period_ok": int(c["ok"]),
            "success_rate": round(c["ok"] / c["stars"], 4) if c["stars"] else None,
        }
        for (s, v), c in sorted(counts.items())
    ]


def _period_halving(lcs: Sequence[LightCurve]) -> list[dict[str, object]]:
    """Per survey and class with a halved period: stars read and stars whose period was halved."""
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for lc in _stars(lcs).values():
        c = counts[(lc.survey, lc.vclass)]
        c["stars"] += 1
        c["halved"] += int(bool(lc.meta.get("period_halved")))
    return [
        {"survey": s, "class": v, "stars": int(c["stars"]), "halved": int(c["halved"])}
        for (s, v), c in sorted(counts.items())
        if c["halved"]
    ]


def _period_refining(lcs: Sequence[LightCurve]) -> list[dict[str, object]]:
    """Per survey and class: stars read, stars whose period was refined and the median |drift|
    (cycles over the best band's time span) corrected among them."""
    counts: dict[tuple[str, str], list[float]] = defaultdict(list)
    stars: Counter = Counter()
    for lc in _stars(lcs).values():
        stars[(lc.survey, lc.vclass)] += 1
        drift = lc.meta.get("period_refined")
        if isinstance(drift, (int, float)):
            counts[(lc.survey, lc.vclass)].append(abs(float(drift)))
    return [
        {
            "survey": s,
            "class": v,
            "stars": int(stars[(s, v)]),
            "refined": len(counts[(s, v)]),
            "median_drift_cycles": round(float(np.median(counts[(s, v)])), 4) if counts[(s, v)] else None,
        }
        for (s, v) in sorted(stars)
    ]


def _provenance(clean: Sequence[CleanCurve]) -> list[dict[str, object]]:
    counts: dict[tuple[str, str, str], Counter] = defaultdict(Counter)
    for lc in _stars([cc.lc for cc in clean]).values():
        for name in PHYSICS_NAMES:
            counts[(lc.survey, lc.vclass, name)][lc.physics[name].source] += 1
    return [
        {"survey": s, "class": v, "parameter": p, **{k: int(n) for k, n in sorted(c.items())}}
        for (s, v, p), c in sorted(counts.items())
    ]


def _relations(clean: Sequence[CleanCurve]) -> list[dict[str, object]]:
    counts: Counter = Counter()
    for lc in _stars([cc.lc for cc in clean]).values():
        for name in PHYSICS_NAMES:
            p = lc.physics[name]
            if p.note:
                counts[(name, p.source, _grouped_note(p.note))] += 1
    return [{"parameter": n, "source": s, "how": note, "stars": int(c)} for (n, s, note), c in sorted(counts.items())]


#: Star-specific values in physics notes (``stars.parquet`` keeps them) that the card's table
#: groups over, so that one reason is one row: a colour outside a relation's range, a period
#: outside a class relation's.
_STAR_VALUES = (
    (re.compile(r"\(V-I\)_0=-?[0-9.]+ outside"), "(V-I)_0 outside"),
    (re.compile(r"period [0-9.e+-]+ d outside"), "period outside"),
)


def _grouped_note(note: str) -> str:
    """``note`` without the star's own values (:data:`_STAR_VALUES`).

    >>> _grouped_note("Gaia Teff: none; derived Teff: (V-I)_0=0.117 outside Casagrande+2010 range 0.46-1.47")
    'Gaia Teff: none; derived Teff: (V-I)_0 outside Casagrande+2010 range 0.46-1.47'
    >>> _grouped_note("class relation: period 4.321 d outside its range; mu=18.477+-0.026")
    'class relation: period outside its range; mu=18.477+-0.026'
    """
    for pattern, text in _STAR_VALUES:
        note = pattern.sub(text, note)
    return note


def _digest(files: dict[str, Path]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode())
        h.update(files[name].read_bytes())
    return h.hexdigest()[:16]


def build_card(
    cfg: DataConfig,
    lcs: Sequence[LightCurve],
    clean: Sequence[CleanCurve],
    split_of: dict[str, str],
    by_split: dict[str, list[Sample]],
    skips: SkipLog,
    files: dict[str, Path],
    format_version: int,
    *,
    identity: Identification | None = None,
) -> dict[str, object]:
    """Every number of the data card as a JSON-serialisable dict.

    ``identity`` (the cross-survey identification of the stars read) adds the ``crossmatch``
    section; without it the section says the split was by survey star id.
    """
    split_stars = Counter(split_of.values())
    crossmatch = crossmatch_summary(identity, split_of) if identity is not None else {"enabled": False}
    return {
        "format_version": format_version,
        "dataset_id": _digest(files),
        "wavelengths": cfg.wavelengths,
        "seed": cfg.seed,
        "sequence_length": cfg.seq_len,
        "table1": _table1(lcs, clean, by_split),
        "splits": {
            s: {
                "stars": int(split_stars[s]),
                "samples": len(by_split[s]),
                "augmented": sum(x.aug_index > 0 for x in by_split[s]),
            }
            for s in by_split
        },
        "crossmatch": crossmatch,
        "catalog_labels": label_changes(lcs) if cfg.catalog_labels.enabled else None,
        "catalog_amplitudes": amplitude_counts(lcs) if cfg.catalog_amplitudes.enabled else None,
        "period_search": _period_search(lcs),
        "period_halving": _period_halving(lcs),
        "period_refining": _period_refining(lcs),
        "physics_provenance": _provenance(clean),
        "physics_relations": _relations(clean),
        "skips": skips.rows(),
        "config": cfg.to_dict(),
        "credits": list(CREDITS),
    }


def _md_table(rows: Sequence[dict[str, object]], columns: Sequence[str]) -> list[str]:
    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        cells = []
        for c in columns:
            v = r.get(c, "")
            cells.append("; ".join(map(str, v)) if isinstance(v, list) else str(v))
        out.append("| " + " | ".join(cells) + " |")
    return out


def _crossmatch_markdown(section: dict) -> list[str]:
    """The cross-survey identification: settings, candidate pairs, objects in several surveys."""
    head = ["## Physical stars in several surveys (cross-match before the split)", ""]
    if not section.get("enabled"):
        return [*head, "Cross-match disabled: the split is by survey star id.", ""]
    wider = ", ".join(f"{v:g} for pairs with an {k} star" for k, v in section.get("survey_radius_arcsec", {}).items())
    rejected = section["rejected_examples"]
    spans = section["dataset_survey_pairs"]
    return [
        *head,
        f"Stars closer than {section['radius_arcsec']:g} arcsec"
        + (f" ({wider})" if wider else "")
        + f" are one physical star when closer than {section['period_check_beyond_arcsec']:g} "
        f"arcsec or when their periods agree within {100 * section['period_tolerance']:g} %, "
        f"allowing daily aliases up to order {section['alias_orders']} and a factor 2 when one "
        "is an ECL or ELL; Gaia DR3 stars are linked to OGLE-III by Gaia DR2 source id. Read: "
        f"{section['stars_read']} stars, {section['stars_with_position']} with a position. "
        f"Candidate pairs rejected by the period check: {section['rejected_by_period']}"
        + (f" (e.g. {'; '.join(rejected)})." if rejected else "."),
        "",
        *(
            _md_table(section["pairs"], ["link", "verdict", "surveys", "pairs"])
            if section["pairs"]
            else ["No candidate pair."]
        ),
        "",
        f"In the dataset: {section['dataset_stars']} stars are {section['dataset_objects']} "
        f"physical stars; {section['dataset_objects_several_stars']} have several star ids, "
        f"{section['dataset_objects_several_surveys']} light curves from 2+ surveys. Every "
        "physical star is in one split.",
        "",
        *(_md_table(spans, ["surveys", "objects"]) if spans else []),
        "",
    ]


def _catalog_labels_markdown(card: dict) -> list[str]:
    """The relabelling's paragraph and table (older cards, and builds without it, have none)."""
    rows = card.get("catalog_labels")
    if rows is None:
        return ["Each survey's own labels (no relabelling from the OGLE-III catalog).", ""]
    cfg = card["config"].get("catalog_labels", {})
    return _counted_step_markdown(
        "A star of another survey within "
        f"{cfg.get('radius_arcsec', float('nan')):g} arcsec of an OGLE-III catalog star whose period "
        f"agrees with its own within {100 * cfg.get('period_tolerance', float('nan')):g}% takes "
        "OGLE-III's class, and its subtype where the dataset's survey labels use it for that class "
        "or the cleaning drops it (`varsynth.data.catalog_labels`); stars whose match has another "
        "period or a type outside the eight classes keep theirs. Stars per survey label and "
        "OGLE-III label, before cleaning:",
        rows,
        ["survey", "survey_label", "ogle3_label", "stars"],
        "No star of another survey is an OGLE-III catalog star.",
    )


def _catalog_amplitudes_markdown(card: dict) -> list[str]:
    """The catalog amplitudes' paragraph and table (older cards, and builds without them, have none)."""
    rows = card.get("catalog_amplitudes")
    if rows is None:
        return ["No I-band amplitude taken from the OGLE-III catalog.", ""]
    cfg = card["config"].get("catalog_amplitudes", {})
    return _counted_step_markdown(
        "A star of another survey within "
        f"{cfg.get('radius_arcsec', float('nan')):g} arcsec of an OGLE-III catalog star of the same "
        f"class (and subtype, where both give one), whose period agrees with its own within "
        f"{100 * cfg.get('period_tolerance', float('nan')):g}% and which has no OGLE-III light curve "
        "here, records the catalog's I-band peak-to-peak amplitude `A_1` "
        "(`varsynth.data.catalog_amplitudes`; verdict `recorded`). Stars within the radius per "
        "survey, label and verdict, before cleaning:",
        rows,
        ["survey", "label", "verdict", "stars"],
        "No star of another survey is an OGLE-III catalog star.",
    )


def _period_halving_markdown(card: dict) -> list[str]:
    """The period convention's paragraph and table (older cards have no such section)."""
    limit = card["config"]["clean"].get("halve_two_wave_r21")
    if limit is None:
        return ["Periods as read (no period convention applied).", ""]
    return _counted_step_markdown(
        "A star of a pulsating class whose best-measured band, folded at its period, has "
        f"R21 = A2 / A1 > {limit:g} and a one-term periodogram more than twice as high at half the "
        "period (two nearly equal waves per period: a listed period twice the pulsation period) "
        "gets half its period in every band, before its physics is attached "
        "(`varsynth.data.period_convention`). Stars read and halved, per survey and class:",
        card.get("period_halving", []),
        ["survey", "class", "stars", "halved"],
        "None halved.",
    )


def _period_refining_markdown(card: dict) -> list[str]:
    """The period refinement's paragraph and table (older cards have no such section)."""
    drift = card["config"]["clean"].get("refine_period_drift")
    if drift is None:
        return ["Periods as read (no refinement).", ""]
    return _counted_step_markdown(
        "Each star's period is refined on its best-measured band: frequencies 1 / P + d / T for "
        f"phase drifts |d| <= {drift:g} cycle over its time span T, kept where the chi^2 of an "
        "order-8 Fourier series drops by more than 9 times the reduced chi^2 "
        "(`varsynth.data.period_refine`). Stars read and refined, per survey and class, with the "
        "median drift corrected:",
        card.get("period_refining", []),
        ["survey", "class", "stars", "refined", "median_drift_cycles"],
        "None read.",
    )


def _counted_step_markdown(paragraph: str, rows: list[dict], columns: list[str], empty: str) -> list[str]:
    """A cleaning step's paragraph, then its per-survey table of counts (``empty`` without rows)."""
    return [paragraph, "", *(_md_table(rows, columns) if rows else [empty]), ""]


def render_markdown(card: dict) -> str:
    """The data card as Markdown tables (same numbers as the JSON)."""
    clean = card.get("config", {}).get("clean", {})
    cuts = [f"{clean['min_snr']:g}"] if "min_snr" in clean else []
    cuts += [f"{name} {value:g}" for name, value in sorted(clean.get("min_snr_by_class", {}).items())]
    lines = [
        "# varsynth data card",
        "",
        f"Dataset id `{card['dataset_id']}` (format {card['format_version']}), seed "
        f"{card['seed']}, sequence length {card['sequence_length']}. Built from real survey "
        "light curves as in Martinez-Palomera et al. (2022), section 2: S/N cut"
        + (f" ({'; '.join(cuts)})" if cuts else "")
        + ", sigma "
        "clipping, subtype filter, phase folding, undersampling, min-max scaling, augmentation "
        "of train and validation only, split by physical star (cross-matched over surveys) and "
        "stratified by class. Effective wavelengths (`wave_eff`): "
        + (
            "each star's temperature (its class's typical one where unknown) through its band, for the "
            "EROS-1 channels and Gaia G; the published value in the other bands."
            if card.get("wavelengths") == "colour"
            else "each band's published value."
        ),
        "",
        "## Light curves per class and survey (the paper's Table 1)",
        "",
        "Stars and light curves (one per star and band) as read, after cleaning, with Teff "
        "(Gaia DR2 or derived), with an absolute magnitude, augmented samples, and samples per "
        "split (train and validation hold real and augmented samples, test real ones only).",
        "",
        *_md_table(card["table1"], ["class", "survey", *TABLE1_COLUMNS]),
        "",
        "## Splits",
        "",
        *_md_table([{"split": k, **v} for k, v in card["splits"].items()], ["split", "stars", "samples", "augmented"]),
        "",
        *_crossmatch_markdown(card.get("crossmatch", {"enabled": False})),
        "## Labels from the OGLE-III catalog",
        "",
        *_catalog_labels_markdown(card),
        "## I-band amplitudes from the OGLE-III catalog",
        "",
        *_catalog_amplitudes_markdown(card),
        "## Period search (surveys without published periods)",
        "",
        "Success: the criterion of `varsynth.surveys.periods` (significant Lomb-Scargle peak "
        "inside the class's plausible period range).",
        "",
        *_md_table(card["period_search"], ["survey", "class", "stars", "period_ok", "success_rate"]),
        "",
        "## Periods halved: pulsating stars folding into two waves",
        "",
        *_period_halving_markdown(card),
        "## Periods refined: folds without smearing",
        "",
        *_period_refining_markdown(card),
        "## Physical parameters: provenance per survey and class (clean stars)",
        "",
        *_md_table(
            card["physics_provenance"], ["survey", "class", "parameter", "gaia", "derived", "catalog", "missing"]
        ),
        "",
        "## How each value was obtained",
        "",
        *_md_table(card["physics_relations"], ["parameter", "source", "how", "stars"]),
        "",
        "## Skipped, with reasons",
        "",
        *_md_table(card["skips"], ["survey", "level", "reason", "count", "examples"]),
        "",
        "## Configuration",
        "",
        "```json",
        json.dumps(card["config"], indent=2, sort_keys=True),
        "```",
        "",
        "## Credits",
        "",
        *[f"- {c}" for c in card["credits"]],
        "",
    ]
    return "\n".join(lines)


def write_card(card: dict, out_dir: str | Path) -> None:
    """Write ``data_card.json`` and ``data_card.md`` atomically into ``out_dir``."""
    out = Path(out_dir)
    text = json.dumps(card, indent=2, sort_keys=True) + "\n"
    atomic_write(out / "data_card.json", lambda tmp: tmp.write_text(text))
    atomic_write(out / "data_card.md", lambda tmp: tmp.write_text(render_markdown(card)))
