"""Train on synthetic, test on real: can a classifier learn the classes from generated light curves?

Two classifiers with the same features and hyperparameters are trained, one on the real training
stars of the dataset and one on a generated twin of each of them (same class, physics, passband
and phases; only the shape and amplitude come from the model, see
:func:`~varsynth.evaluation.curves.twin_curves`). Both are tested on the held-out real light
curves. The two training sets have the same class balance, periods and sampling, so the gap
between the two scores measures what the generated shapes lack. Two baselines show what the
shapes add at all: the same forest trained on the real training stars' period alone, and on the
period and Teff (the conditioning of the generator a user gives that carries no magnitude; M_G
is left out as a magnitude). A third classifier, the discriminator, is trained to tell held-out
real light curves from their twins (cross-validated
ROC AUC, 0.5 when they cannot be told apart).

Features of a folded light curve (:func:`light_curve_features`) describe its period and shape
and say nothing about the star's brightness, the survey or its time sampling, so that they carry
over between surveys: log10 period (days), the OGLE Fourier parameters (peak-to-peak amplitude
in mag, R21, R31, and phi21, phi31 as cosine and sine since they are angles), and statistics of
the magnitude distribution from the ``light-curve`` package, where those in magnitudes are
divided by the Fourier amplitude to be scale-free (the amplitude itself, which depends on the
passband, is the only feature in magnitudes; the passband is not a feature, lest the classifier
learn which survey observed which classes). All features are unchanged by a shift of the phase
origin. Only one needs time order: ``lafler_kinman`` (sum of squared differences of
phase-neighbours over the variance), the string-length statistic made for folded light curves.
It is computed on ``t = phase * period`` sorted by phase, where only the order of ``t`` matters,
and wraps around, so it does not depend on where phase 0 falls. Features that need the real
observing times (periodograms, slopes in mag/day, the cumulative sum ``Cusum``, which depends on
the phase origin) are left out, and so is the percent difference magnitude percentile, whose
division by the median magnitude measures brightness, not shape. Twins carry noise of the real
errors as the model draws it for the survey (:mod:`varsynth.generation.noise`; Gaussian for a
model without a noise record), so features of the tails (``beyond_2std``, ``half_range_ratio``,
``kurtosis``) and ``lafler_kinman`` also compare the noise, including the outliers of real light
curves.
"""

from __future__ import annotations

import math
from typing import Any

import light_curve as lc
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold

from varsynth.evaluation.binomial import compare_fractions
from varsynth.evaluation.bootstrap import grouped_auc_se
from varsynth.evaluation.context import FIGURE_DPI, EvalContext, Section
from varsynth.evaluation.curves import fourier_table, real_curves, twin_curves
from varsynth.evaluation.visits import visit_structure
from varsynth.latent.regressors import check_disjoint

__all__ = [
    "FEATURE_NAMES",
    "BASELINES",
    "CLASSIFIER_PARAMS",
    "MIN_TEST_STARS",
    "FAIL_DROP",
    "QUICK_TRAIN_PER_CLASS",
    "DISCRIMINATOR_FOLDS",
    "MIN_AMPLITUDE",
    "light_curve_features",
    "make_classifier",
    "classification_scores",
    "conditioning_features",
    "discriminator_auc",
    "feature_auc",
    "REFERENCE_ORDER",
    "own_fit_curves",
    "evaluate_classifier",
]

#: Classes with fewer held-out stars than this are reported but marked, and not judged.
MIN_TEST_STARS = 5
#: A class "fails" under synthetic training when its F1 drops by more than this below real training.
FAIL_DROP = 0.1
#: Light curves per class of the real training set in quick mode.
QUICK_TRAIN_PER_CLASS = 40
#: Folds of the discriminator's cross-validation.
DISCRIMINATOR_FOLDS = 5
#: Fourier amplitude (mag) below which a light curve counts as constant (no scale-free features).
MIN_AMPLITUDE = 1e-6
#: Highest Fourier order of the own-fit reference's shapes (:func:`own_fit_curves`).
REFERENCE_ORDER = 8
#: Points per Fourier coefficient pair the own-fit reference needs at least (order <= (n - 1) / this).
REFERENCE_POINTS_PER_ORDER = 5

# light-curve features kept as they are (_SHAPE) and those in magnitudes, divided by the Fourier amplitude (_SCALE)
_SHAPE = lc.Extractor(
    lc.BeyondNStd(1.0),
    lc.BeyondNStd(2.0),
    lc.Kurtosis(),
    lc.Skew(),
    lc.StetsonK(),
    lc.MagnitudePercentageRatio(0.4, 0.05),
    lc.MedianBufferRangePercentage(0.2),
    lc.LaflerKinmanStringLength(),
)
_SHAPE_NAMES = (
    "beyond_1std",
    "beyond_2std",
    "kurtosis",
    "skew",
    "stetson_k",
    "mag_ratio_40_5",
    "median_buffer_20",
    "lafler_kinman",
)
_SCALE = lc.Extractor(
    lc.Amplitude(),
    lc.InterPercentileRange(0.1),
    lc.InterPercentileRange(0.25),
    lc.MedianAbsoluteDeviation(),
    lc.StandardDeviation(),
)
_SCALE_NAMES = ("half_range_ratio", "ipr10_ratio", "ipr25_ratio", "mad_ratio", "std_ratio")

#: Columns of :func:`light_curve_features`, in this order.
FEATURE_NAMES: tuple[str, ...] = (
    "log10_period",
    "amplitude",
    "R21",
    "cos_phi21",
    "sin_phi21",
    "R31",
    "cos_phi31",
    "sin_phi31",
    *_SHAPE_NAMES,
    *_SCALE_NAMES,
)

#: Baseline classifiers trained on the real training stars: name -> columns of :func:`conditioning_features`.
BASELINES: dict[str, tuple[str, ...]] = {
    "period only": ("log10_period",),
    "period + Teff": ("log10_period", "log10_teff"),
}

#: Hyperparameters of every classifier of the section (the same for real and generated training).
CLASSIFIER_PARAMS: dict[str, Any] = {
    "n_estimators": 200,
    "max_features": "sqrt",
    "min_samples_leaf": 1,
    "class_weight": "balanced",
    "n_jobs": 1,
}


def light_curve_features(curves: pd.DataFrame, fourier: pd.DataFrame | None = None) -> pd.DataFrame:
    """Shape features of each folded light curve of a curve set (one row per light curve).

    Arguments:
        curves: curve set with ``period`` (days) and the arrays ``phase``, ``mag``, ``mag_err`` (mag).
        fourier: its :func:`~varsynth.evaluation.curves.fourier_table`, when already computed.

    Returns:
        :data:`FEATURE_NAMES` as columns, NaN where a feature cannot be computed (too few points,
        constant magnitudes).
    """
    if len(curves) and (curves["period"].isna().any() or (curves["period"] <= 0).any()):
        raise ValueError("curves: every light curve needs a period > 0 days")
    if fourier is None:
        fourier = fourier_table(curves)
    elif len(fourier) != len(curves):
        raise ValueError(f"fourier has {len(fourier)} rows for {len(curves)} light curves")
    amplitude = fourier["amplitude"].to_numpy(float)
    out = pd.DataFrame({"log10_period": np.log10(curves["period"].to_numpy(float)), "amplitude": amplitude})
    for k in (2, 3):
        phi = fourier[f"phi{k}1"].to_numpy(float)
        out[f"R{k}1"] = fourier[f"R{k}1"].to_numpy(float)
        out[f"cos_phi{k}1"], out[f"sin_phi{k}1"] = np.cos(phi), np.sin(phi)
    arrays = []
    for phase, mag, err, period in zip(curves["phase"], curves["mag"], curves["mag_err"], curves["period"]):
        order = np.argsort(phase, kind="stable")
        arrays.append(
            (
                np.asarray(phase, np.float64)[order] * float(period),
                np.asarray(mag, np.float64)[order],
                np.asarray(err, np.float64)[order],
            )
        )
    shape = _many(_SHAPE, arrays)
    # ratios to the Fourier amplitude; none below a micro-magnitude (a constant light curve)
    scale = _many(_SCALE, arrays) / np.where(amplitude > MIN_AMPLITUDE, amplitude, np.nan)[:, None]
    for j, name in enumerate(_SHAPE_NAMES):
        out[name] = shape[:, j]
    for j, name in enumerate(_SCALE_NAMES):
        out[name] = scale[:, j]
    return out.replace([np.inf, -np.inf], np.nan)[list(FEATURE_NAMES)]


def conditioning_features(curves: pd.DataFrame) -> pd.DataFrame:
    """What a user gives the generator that carries no magnitude, per light curve: ``log10_period``
    (days) and ``log10_teff`` (K; NaN where the star has no Teff, ``teff_source`` ``missing``)."""
    if len(curves) and (curves["period"].isna().any() or (curves["period"] <= 0).any()):
        raise ValueError("curves: every light curve needs a period > 0 days")
    teff = curves["teff"].to_numpy(float)
    known = np.isfinite(teff) & (teff > 0) & (curves["teff_source"].to_numpy(str) != "missing")
    return pd.DataFrame(
        {
            "log10_period": np.log10(curves["period"].to_numpy(float)),
            "log10_teff": np.log10(np.where(known, teff, np.nan)),
        }
    )


def _many(extractor: lc.Extractor, arrays: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> np.ndarray:
    """The extractor's features of each (t, m, err), shape (N, features), NaN where they fail."""
    if not arrays:
        return np.zeros((0, len(extractor.names)))
    return np.asarray(extractor.many(arrays, fill_value=np.nan, sorted=True, check=False, n_jobs=1), float)


def make_classifier(seed: int = 0) -> RandomForestClassifier:
    """The random forest of every classifier of the section: missing features allowed, classes
    weighted by the inverse of their frequency. A forest rather than gradient boosting because
    boosting with such weights (a class of 14 light curves among 10,000 weighs ~90) can diverge
    on one training set and not the other, which would pass for a difference between them."""
    return RandomForestClassifier(random_state=seed, **CLASSIFIER_PARAMS)


def classification_scores(
    true: np.ndarray, predicted: np.ndarray, groups: np.ndarray | None = None, labels: list[str] | None = None
) -> tuple[dict[str, float], pd.DataFrame, pd.DataFrame]:
    """Accuracy, macro-F1, per-class scores and the confusion matrix of a test set.

    Arguments:
        true, predicted: class labels of each test light curve.
        groups: star of each light curve (counts distinct stars per class); ``None``: one star each.
        labels: further classes to give a column of the confusion matrix (e.g. every training class).

    Returns:
        ``({"accuracy", "macro_f1", "macro_f1_judged"}, per-class table, confusion)``: macro-F1 is
        the mean F1 of the true classes, ``macro_f1_judged`` that of the classes with at least
        :data:`MIN_TEST_STARS` stars (NaN when none has); the table has one row per true
        class (``class, light_curves, stars, precision, recall, f1``); the confusion matrix counts
        light curves, with a row per true class and a column per true, predicted or ``labels``
        class (true classes first, in the same order as the rows).
    """
    true, predicted = np.asarray(true).astype(str), np.asarray(predicted).astype(str)
    if true.shape != predicted.shape or true.size == 0:
        raise ValueError(f"true and predicted need the same non-zero length, got {true.size} and {predicted.size}")
    classes = sorted(set(true))
    columns = classes + sorted((set(predicted) | set(labels or ())) - set(classes))
    precision, recall, f1, support = precision_recall_fscore_support(true, predicted, labels=classes, zero_division=0)
    groups = np.arange(true.size) if groups is None else np.asarray(groups)
    stars = [len(set(groups[true == c])) for c in classes]
    table = pd.DataFrame(
        {"class": classes, "light_curves": support, "stars": stars, "precision": precision, "recall": recall, "f1": f1}
    )
    judged = f1[np.asarray(stars) >= MIN_TEST_STARS]
    scores = {
        "accuracy": float(accuracy_score(true, predicted)),
        "macro_f1": float(f1_score(true, predicted, labels=classes, average="macro", zero_division=0)),
        "macro_f1_judged": float(judged.mean()) if judged.size else math.nan,
    }
    counts = confusion_matrix(true, predicted, labels=columns)[: len(classes)]
    return scores, table, pd.DataFrame(counts, index=pd.Index(classes, name="true"), columns=columns)


def discriminator_auc(
    real: pd.DataFrame,
    generated: pd.DataFrame,
    classes: np.ndarray,
    groups: np.ndarray,
    *,
    seed: int = 0,
    folds: int = DISCRIMINATOR_FOLDS,
) -> tuple[float, pd.DataFrame, np.ndarray]:
    """Cross-validated ROC AUC of a classifier telling real from generated light curves.

    ``real`` and ``generated`` are feature tables with one row per light curve, row ``i`` of
    ``generated`` being the twin of row ``i`` of ``real``; a star and all its twins stay in one
    fold (``groups``: star of each row), so the discriminator never meets the twin of a star it
    was trained on. Scores are the out-of-fold probabilities of "generated".

    Returns:
        ``(auc, per_class, scores)``: the AUC of all light curves (0.5: indistinguishable, 1:
        every generated light curve is recognised), a table ``class, light_curves, stars, auc``
        of the AUC within each class, and the out-of-fold scores (real rows then generated rows).
    """
    if real.shape != generated.shape or list(real.columns) != list(generated.columns):
        raise ValueError(f"real {real.shape} and generated {generated.shape} need the same rows and columns")
    classes, groups = np.asarray(classes).astype(str), np.asarray(groups)
    if not len(classes) == len(groups) == len(real):
        raise ValueError(f"classes ({len(classes)}) and groups ({len(groups)}) need one entry per row ({len(real)})")
    splits = min(folds, len(set(groups)))
    if splits < 2:
        raise ValueError(f"the discriminator needs at least 2 stars for cross-validation, got {len(set(groups))}")
    x = pd.concat([real, generated], ignore_index=True)
    y = np.r_[np.zeros(len(real), int), np.ones(len(generated), int)]
    both_groups, both_classes = np.r_[groups, groups], np.r_[classes, classes]
    scores = np.full(len(x), np.nan)
    cv = StratifiedGroupKFold(n_splits=splits, shuffle=True, random_state=seed)
    for train, test in cv.split(x, y, both_groups):
        model = make_classifier(seed).fit(x.iloc[train], y[train])
        scores[test] = model.predict_proba(x.iloc[test])[:, 1]
    rows = []
    for c in sorted(set(classes)):
        rows.append(
            {
                "class": c,
                "light_curves": int((classes == c).sum()),
                "stars": len(set(groups[classes == c])),
                "auc": float(roc_auc_score(y[both_classes == c], scores[both_classes == c])),
            }
        )
    return float(roc_auc_score(y, scores)), pd.DataFrame(rows), scores


def own_fit_curves(curves: pd.DataFrame, *, order: int = REFERENCE_ORDER, seed: int = 0) -> pd.DataFrame:
    """The own-fit reference: each light curve of a curve set rebuilt from itself, as a generator
    that knew every star's own shape and noise would draw it.

    A light curve of n points becomes its own weighted least-squares Fourier series of order
    ``min(order, (n - 1) // 5)`` (at least 1) at its phases, plus its own residuals around that
    fit shuffled among its points (seeded). Its shape is the star's own, smoothed to that order;
    its noise has the star's own distribution but no longer sits at the phases where it fell.
    What a discriminator still finds between these and the real light curves (sharper features
    than the order follows, residuals that belong to phases) is a floor for any generator that
    draws smooth shapes plus noise.
    """
    from varsynth.evaluation.reconstruction import fourier_fit

    rng = np.random.default_rng(seed)
    out = curves.copy()
    mags = []
    for phase, mag, err in zip(curves["phase"], curves["mag"], curves["mag_err"]):
        phase, mag, err = (np.asarray(x, np.float64) for x in (phase, mag, err))
        k = max(1, min(order, (phase.size - 1) // REFERENCE_POINTS_PER_ORDER))
        smooth = fourier_fit(phase, mag, err, k)
        mags.append(smooth + rng.permutation(mag - smooth))
    out["mag"] = mags
    return out


def feature_auc(real: pd.DataFrame, generated: pd.DataFrame) -> pd.Series:
    """ROC AUC of each feature alone separating generated (higher) from real light curves, NaN skipped."""
    out = {}
    for name in real.columns:
        r, g = real[name].dropna().to_numpy(), generated[name].dropna().to_numpy()
        both = np.r_[r, g]
        ok = r.size and g.size and np.ptp(both) > 0
        out[name] = float(roc_auc_score(np.r_[np.zeros(r.size), np.ones(g.size)], both)) if ok else math.nan
    return pd.Series(out, name="auc")


def evaluate_classifier(ctx: EvalContext) -> Section:
    """The train-on-synthetic, test-on-real section of the fidelity report for ``ctx.model``."""
    train = real_curves(
        ctx.dataset_dir, "train", max_per_class=QUICK_TRAIN_PER_CLASS if ctx.quick else None, seed=ctx.seed
    )
    check_disjoint(train["star_key"].tolist(), ctx.test_real["star_key"].tolist())  # no held-out star in training
    twins = twin_curves(ctx.model, train, seed=ctx.seed)
    x_real, x_twin = light_curve_features(train), light_curve_features(twins)
    test = ctx.test_real
    x_test = light_curve_features(test, ctx.test_real_fourier)
    x_test_twin = light_curve_features(ctx.test_twins, ctx.test_twin_fourier)
    y_train, y_test, stars = train["vclass"].to_numpy(str), test["vclass"].to_numpy(str), test["star_key"].to_numpy()

    results = {}
    for source, x in (("real", x_real), ("generated", x_twin)):
        predicted = make_classifier(ctx.seed).fit(x, y_train).predict(x_test)
        results[source] = classification_scores(y_test, predicted, stars, labels=sorted(set(y_train)))
    c_train, c_test = conditioning_features(train), conditioning_features(test)
    for name, columns in BASELINES.items():  # trained on the real stars' conditioning alone
        predicted = make_classifier(ctx.seed).fit(c_train[list(columns)], y_train).predict(c_test[list(columns)])
        results[name] = classification_scores(y_test, predicted, stars, labels=sorted(set(y_train)))
    auc, auc_classes, scores = discriminator_auc(x_test, x_test_twin, y_test, stars, seed=ctx.seed)
    labels = np.r_[np.zeros(len(x_test), int), np.ones(len(x_test_twin), int)]
    auc_se = grouped_auc_se(labels, scores, np.r_[stars, stars], seed=ctx.seed)
    x_own = light_curve_features(own_fit_curves(test, seed=ctx.seed))
    reference, reference_classes, _ = discriminator_auc(x_test, x_own, y_test, stars, seed=ctx.seed)
    single = feature_auc(x_test, x_test_twin)

    (_, real_table, real_cm), (_, gen_table, gen_cm) = results["real"], results["generated"]
    per_class = pd.DataFrame(
        {
            "class": real_table["class"],
            "test light curves": real_table["light_curves"],
            "test stars": real_table["stars"],
            "F1 trained on real": real_table["f1"],
            "F1 trained on generated": gen_table["f1"],
            "F1 difference": gen_table["f1"] - real_table["f1"],
            **{f"F1 {name} (real)": results[name][1]["f1"] for name in BASELINES},
            "real-vs-generated AUC": auc_classes["auc"],
            "own-fit reference AUC": reference_classes["auc"],
        }
    )
    few = per_class["test stars"] < MIN_TEST_STARS
    per_class["note"] = np.where(few, f"fewer than {MIN_TEST_STARS} test stars", "")
    sources = ["real", "generated", *BASELINES]
    overall = pd.DataFrame(
        {
            "trained on": ["real", "generated", *(f"real, {name} (baseline)" for name in BASELINES)],
            "training light curves": [len(train), len(twins), *(len(train) for _ in BASELINES)],
            "accuracy": [results[s][0]["accuracy"] for s in sources],
            "macro-F1": [results[s][0]["macro_f1"] for s in sources],
            f"macro-F1, classes with >= {MIN_TEST_STARS} test stars": [
                results[s][0]["macro_f1_judged"] for s in sources
            ],
        }
    )
    separating = single.sub(0.5).abs().sort_values(ascending=False)
    features = pd.DataFrame(
        {
            "feature": separating.index,
            "AUC": single[separating.index].to_numpy(),
            "real median": x_test[separating.index].median().to_numpy(),
            "generated median": x_test_twin[separating.index].median().to_numpy(),
        }
    )

    figure = _confusion_figure(ctx, real_cm, gen_cm)
    summary = _summary(train, test, results, auc, auc_classes, single, reference)
    # standard error of the AUC over held-out stars (bootstrap, a star's rows together)
    summary["discriminator"]["auc_se"] = auc_se
    visits = visit_structure(test, ctx.test_twins)
    visit_tables = []
    text = _text(overall, per_class, auc, features, gen_cm, len(test), reference)
    if visits is not None:
        visit_table, summary["visits"] = visits
        key = "visit fraction, surveys with several points a visit (median)"
        summary["headline"][key] = summary["visits"]["generated"]
        summary["headline_reference"][key] = f"{summary['visits']['real']:.2f} (real)"
        visit_tables.append(
            (
                "Noise shared within a visit: median share of each light curve's residual variance common to "
                "the points of a visit (less than 0.3 d apart), held-out real light curves and their twins",
                visit_table,
            )
        )
        text += (
            f" The points of one visit (a night's exposures) share {summary['visits']['real']:.2f} of the residual "
            f"variance of the held-out real light curves of {', '.join(summary['visits']['surveys'])} (median over "
            f"{summary['visits']['light_curves']} light curves) and {summary['visits']['generated']:.2f} of "
            "their twins'; the discriminator, which reads folded light curves, barely sees it."
        )
    return Section(
        name="classifier",
        title="Train on synthetic, test on real",
        summary=summary,
        tables=[
            (
                "Classifiers trained on real or generated light curves, tested on held-out real ones; baselines "
                "trained on the real stars' period (and Teff) alone",
                overall,
            ),
            (
                "Per class: F1 on held-out real light curves (trained on real, generated, and the baselines' "
                "conditioning of real stars) and the discriminator's AUC",
                per_class,
            ),
            (
                "Single features telling held-out real light curves from their generated twins "
                "(AUC 0.5: indistinguishable; above 0.5: larger in generated ones)",
                features,
            ),
            *visit_tables,
        ],
        figures=[("Confusion matrices on held-out real light curves (rows normalised to the true class)", figure)],
        text=text,
    )


def _summary(
    train: pd.DataFrame,
    test: pd.DataFrame,
    results: dict[str, tuple[dict[str, float], pd.DataFrame, pd.DataFrame]],
    auc: float,
    auc_classes: pd.DataFrame,
    single: pd.Series,
    reference: float,
) -> dict[str, Any]:
    """The section's numbers for the JSON report (``reference``: the own-fit reference's AUC)."""
    out: dict[str, Any] = {
        "headline": {
            "accuracy trained on real": results["real"][0]["accuracy"],
            "accuracy trained on generated": results["generated"][0]["accuracy"],
            "macro-F1 trained on real": results["real"][0]["macro_f1"],
            "macro-F1 trained on generated": results["generated"][0]["macro_f1"],
            "real-vs-generated AUC": auc,
            "accuracy period-only baseline (trained on real)": results["period only"][0]["accuracy"],
            "macro-F1 period-only baseline (trained on real)": results["period only"][0]["macro_f1"],
        },
        "headline_reference": {
            "accuracy trained on generated": results["real"][0]["accuracy"],
            "macro-F1 trained on generated": results["real"][0]["macro_f1"],
            "real-vs-generated AUC": f"0.5 ideally; own-fit reference {reference:.3f}",
        },
        "n_train": len(train),
        "n_test": len(test),
        "features": list(FEATURE_NAMES),
        "classifier": {"kind": "RandomForestClassifier", **CLASSIFIER_PARAMS},
        "min_test_stars": MIN_TEST_STARS,
    }
    for source in ("real", "generated"):
        scores, table, cm = results[source]
        out[f"trained_on_{source}"] = {
            **scores,
            "confusion": cm.to_dict(orient="index"),
            "per_class": table.set_index("class").to_dict(orient="index"),
        }
    out["baselines"] = {
        name: {
            "features": list(columns),
            **results[name][0],
            "per_class": results[name][1].set_index("class").to_dict(orient="index"),
        }
        for name, columns in BASELINES.items()
    }
    out["accuracy_gap"] = out["trained_on_generated"]["accuracy"] - out["trained_on_real"]["accuracy"]
    out["macro_f1_gap"] = out["trained_on_generated"]["macro_f1"] - out["trained_on_real"]["macro_f1"]
    out["discriminator"] = {
        "auc": auc,
        "folds": min(DISCRIMINATOR_FOLDS, test["star_key"].nunique()),
        "per_class": auc_classes.set_index("class").to_dict(orient="index"),
        "feature_auc": single.to_dict(),
        "own_fit_reference_auc": reference,
        "own_fit_reference_order": REFERENCE_ORDER,
    }
    return out


def _text(
    overall: pd.DataFrame,
    per_class: pd.DataFrame,
    auc: float,
    features: pd.DataFrame,
    gen_cm: pd.DataFrame,
    n_test: int,
    reference: float,
) -> str:
    """Findings in words, from the measured numbers (accuracies compared with their binomial error on
    the ``n_test`` held-out light curves; ``reference``: the own-fit reference's AUC)."""
    real, gen, period = overall.iloc[0], overall.iloc[1], overall.iloc[2]
    lines = [
        f"Tested on {per_class['test light curves'].sum()} held-out real light curves, the classifier trained on "
        f"{gen['training light curves']} generated twins of the real training stars reaches accuracy "
        f"{gen['accuracy']:.3f} and macro-F1 {gen['macro-F1']:.3f}, against {real['accuracy']:.3f} and "
        f"{real['macro-F1']:.3f} when trained on the real training stars themselves (accuracy "
        f"{compare_fractions(gen['accuracy'], n_test, real['accuracy'], n_test)}; macro-F1 gap "
        f"{gen['macro-F1'] - real['macro-F1']:+.3f})."
    ]
    baselines = "; ".join(
        f"{row['trained on'].removeprefix('real, ').removesuffix(' (baseline)')}: accuracy "
        f"{row['accuracy']:.3f}, macro-F1 {row['macro-F1']:.3f}"
        for _, row in overall.iloc[2:].iterrows()
    )
    lines.append(
        f"Baselines trained on the real training stars' conditioning alone ({baselines}). Over the period "
        f"alone, the shapes add {real['accuracy'] - period['accuracy']:+.3f} in accuracy learned from real "
        f"light curves and {gen['accuracy'] - period['accuracy']:+.3f} learned from generated ones (generated "
        f"vs period only: {compare_fractions(gen['accuracy'], n_test, period['accuracy'], n_test)}), and "
        f"{real['macro-F1'] - period['macro-F1']:+.3f} and {gen['macro-F1'] - period['macro-F1']:+.3f} "
        "in macro-F1."
    )
    column = f"macro-F1, classes with >= {MIN_TEST_STARS} test stars"
    if np.isfinite(real[column]) and np.isfinite(gen[column]):
        lines.append(
            f"Macro-F1 weighs every class equally, small ones included; over the classes with at least "
            f"{MIN_TEST_STARS} test stars it is {gen[column]:.3f} (generated) vs {real[column]:.3f} (real)."
        )
    judged = per_class[per_class["test stars"] >= MIN_TEST_STARS]
    failed = judged[judged["F1 difference"] < -FAIL_DROP].sort_values("F1 difference")
    if len(failed):
        lines.append(
            f"Synthetic training fails (F1 more than {FAIL_DROP} below real training) for "
            + "; ".join(
                f"{r['class']} (F1 {r['F1 trained on generated']:.2f} vs {r['F1 trained on real']:.2f}, "
                + _mistaken(gen_cm, r["class"])
                + ")"
                for _, r in failed.iterrows()
            )
            + "."
        )
    else:
        lines.append(
            f"No class with at least {MIN_TEST_STARS} test stars loses more than {FAIL_DROP} in F1 "
            "under synthetic training."
        )
    few = per_class[per_class["test stars"] < MIN_TEST_STARS]
    if len(few):
        lines.append(
            f"Classes with fewer than {MIN_TEST_STARS} test stars are reported but not judged: "
            + ", ".join(f"{r['class']} ({r['test stars']})" for _, r in few.iterrows())
            + "."
        )
    ranked = judged.sort_values("real-vs-generated AUC", ascending=False)
    lines.append(
        f"A discriminator trained on the same features tells held-out real light curves from their "
        f"generated twins with cross-validated ROC AUC {auc:.3f} (0.5: indistinguishable)"
        + (
            f"; most easily for {ranked.iloc[0]['class']} (AUC {ranked.iloc[0]['real-vs-generated AUC']:.3f}), "
            f"least for {ranked.iloc[-1]['class']} (AUC {ranked.iloc[-1]['real-vs-generated AUC']:.3f})"
            if len(ranked) > 1
            else ""
        )
        + f". The same discriminator scores {reference:.3f} on the own-fit reference (each held-out light "
        f"curve's own order-{REFERENCE_ORDER} Fourier fit plus its own residuals shuffled among its points): "
        "a generator of smooth shapes plus noise that knew every star's own light curve would score about that."
    )
    top = features.dropna(subset=["AUC"]).head(3)
    if len(top):
        lines.append(
            "The single features that separate them most: "
            + ", ".join(
                f"{r['feature']} (AUC {r['AUC']:.2f}, median {r['generated median']:.3g} generated vs "
                f"{r['real median']:.3g} real)"
                for _, r in top.iterrows()
            )
            + "."
        )
    tails = features.set_index("feature").loc["beyond_2std"]
    lines.append(
        "Twins carry noise of the real errors as the model draws it for each survey, so the features of "
        "the tails compare the noise too: "
        f"the fraction of points beyond 2 sigma has median {tails['generated median']:.3g} in generated "
        f"and {tails['real median']:.3g} in real light curves (AUC {tails['AUC']:.2f})."
    )
    return " ".join(lines)


def _mistaken(confusion: pd.DataFrame, vclass: str) -> str:
    """How the light curves of ``vclass`` are mostly misclassified, e.g. ``74% taken for CEP``."""
    row = confusion.loc[vclass].drop(vclass)
    if row.sum() == 0:
        return "never confused with another class"
    return f"{row.max() / confusion.loc[vclass].sum():.0%} taken for {row.idxmax()}"


def _confusion_figure(ctx: EvalContext, real_cm: pd.DataFrame, gen_cm: pd.DataFrame) -> str:
    """Two row-normalised confusion matrices side by side; returns the path relative to the report."""
    rows, columns = list(real_cm.index), list(real_cm.columns)
    gen_cm = gen_cm.reindex(index=rows, columns=columns, fill_value=0)
    size = 1.2 + 0.55 * len(columns)
    fig = Figure(figsize=(2 * size + 1.2, size), dpi=FIGURE_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2, sharey=True)
    for ax, frame, source in zip(axes, (real_cm, gen_cm), ("real", "generated")):
        cm = frame.to_numpy()
        fraction = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
        image = ax.imshow(fraction, vmin=0, vmax=1, cmap="Blues")
        for (i, j), value in np.ndenumerate(fraction):
            if cm[i, j]:
                ax.text(
                    j,
                    i,
                    f"{value:.2f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if value > 0.6 else "black",
                )
        ax.set_xticks(range(len(columns)), columns, rotation=45, ha="right")
        ax.set_yticks(range(len(rows)), rows)
        ax.set_xlabel("predicted class")
        ax.set_title(f"trained on {source}")
    axes[0].set_ylabel("true class (held-out real)")
    fig.colorbar(image, ax=axes, shrink=0.8, label="fraction of the true class")
    return ctx.save_figure(fig, "classifier_confusion")
