"""Physics-to-latent regressors of PELS-VAE (Martinez-Palomera et al. 2022, section 4.2, Table 3).

After training, a regression from the physical parameters to the latent space lets a user pick
Teff, absolute magnitude and period, map them to a latent code and decode a new light curve.
Three scikit-learn regressors are fitted, as in the paper: linear, random forest and a
multilayer perceptron. Inputs are the transformed physical parameters (log10 Teff [K],
M_G [mag], log10 period [days], standardised with the fitting set's mean and standard deviation),
the one-hot class, and the paper's extra "dummy" coordinate.

The dummy dimension (paper, end of section 4.2): every fitting object is repeated
``n_copies`` (100) times, the copies differing only in a dummy coordinate u ~ U(0, 1), and its
latent vector is drawn ``n_draws`` (10) times from N(mu, sigma). Pairing: copy k of object i
(k = 0 .. n_copies - 1) carries its own u_ik and the target draw number ``k mod n_draws`` of
object i, so each draw is used ``n_copies / n_draws`` times, each time with another u. A flexible
regressor can thus spread the latent posterior over u, and at generation a fresh u gives varied
latent codes for one physical vector.

Fitting uses the real (not augmented) training samples with all three physical parameters;
Table 3 is measured on the real samples of the validation and test splits. The split is by
object: no star is in both sets (checked, not assumed). The metrics compare the prediction at a
random u (as in generation) and averaged over u with the encoder's latent mean (RMSE and R^2),
and the prediction with a latent draw (RMSE, the scale of the paper's Table 3).

Regressors are stored in the model bundle as its ``regressors`` component (written and verified
through :mod:`varsynth.bundle`): skops files (no code runs on load; the few non-default types
allowed are listed in :data:`TRUSTED_TYPES`) and ``regressors.json`` holding the input
standardisation, the hash of the weights they were fitted on, file checksums and the Table 3
numbers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import skops.io as sio
from sklearn.base import RegressorMixin
from sklearn.ensemble import RandomForestRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.neural_network import MLPRegressor

from varsynth.bundle import WEIGHTS, BundleError, file_sha256, load_bundle, open_component, write_component
from varsynth.data.tensors import DataFilter, fit_standardisation
from varsynth.latent.encode import PHYS_COLUMNS, EncodedSplit, encode_split
from varsynth.models.config import PHYSICS_CHOICES
from varsynth.models.cvae import CVAE

__all__ = [
    "REGRESSORS",
    "REGRESSORS_FILE",
    "TRUSTED_TYPES",
    "EVAL_SPLITS",
    "RegressorError",
    "RegressionSettings",
    "LatentRegressors",
    "transform_physics",
    "augment_dummy",
    "usable_mask",
    "check_disjoint",
    "fit_regressors",
    "evaluate_regressors",
    "regress_bundle",
    "predict_latent",
    "save_regressors",
    "load_regressors",
    "format_table",
]

#: The paper's three regressors.
REGRESSORS: tuple[str, ...] = ("linear", "rf", "mlp")
REGRESSORS_FILE = "regressors.json"
#: Types in the skops files beyond those skops trusts by default; anything else is refused.
TRUSTED_TYPES: tuple[str, ...] = (
    "sklearn.tree._tree.Tree",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
)
#: Splits the regressors are evaluated on (held-out objects).
EVAL_SPLITS: tuple[str, ...] = ("val", "test")
_KIND = "varsynth-latent-regressors"
_FORMAT_VERSION = 1
_ESTIMATORS: dict[str, type] = {"linear": LinearRegression, "rf": RandomForestRegressor, "mlp": MLPRegressor}
# physics_matrix takes log10 of these (Teff, period); the absolute magnitude enters as is
_LOG10 = tuple(name in ("teff", "period") for name in PHYSICS_CHOICES)


class RegressorError(ValueError):
    """Regressors that cannot be fitted, saved or loaded (the message says why)."""


@dataclass(frozen=True)
class RegressionSettings:
    """How the regressors are fitted (sklearn defaults unless named here).

    Attributes:
        n_copies: copies of each object's physical vector, differing in the dummy coordinate
            (paper: 100).
        n_draws: latent draws z ~ N(mu, sigma) per object (paper: 10); divides ``n_copies``.
        seed: seed of the draws, the dummy values and the regressors.
        rf_trees: trees of the random forest.
        rf_min_samples_leaf, rf_max_leaf_nodes, rf_max_samples: smallest leaf, most leaves
            per tree and rows per bootstrap sample (capped at the rows there are). They bound the
            forest's size and fitting time: without the leaf cap the forest grows with the data
            (36 MB for 363 objects x 100 copies with leaves of 10 rows); with it, ~10 MB at most.
        mlp_hidden: hidden layer sizes of the perceptron.
        mlp_max_iter: epochs of the perceptron at most.
    """

    n_copies: int = 100
    n_draws: int = 10
    seed: int = 13
    rf_trees: int = 100
    rf_min_samples_leaf: int = 10
    rf_max_leaf_nodes: int | None = 1024
    rf_max_samples: int | None = 100_000
    mlp_hidden: tuple[int, ...] = (100,)
    mlp_max_iter: int = 200

    def __post_init__(self) -> None:
        if self.n_draws < 1 or self.n_copies < 1 or self.n_copies % self.n_draws:
            raise RegressorError(f"n_copies ({self.n_copies}) must be a positive multiple of n_draws ({self.n_draws})")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-friendly dict."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}


@dataclass
class LatentRegressors:
    """Fitted regressors and what they need to turn physics into latent codes.

    Attributes:
        models: regressor name (``linear``, ``rf``, ``mlp``) -> fitted scikit-learn regressor.
        phys_mean, phys_std: standardisation of the transformed physics (3,), fitting set.
        n_classes: length of the one-hot class.
        latent_dim: latent dimension Z.
        fit_classes: class indices with fitting objects (others cannot be predicted).
    """

    models: dict[str, RegressorMixin]
    phys_mean: np.ndarray
    phys_std: np.ndarray
    n_classes: int
    latent_dim: int
    fit_classes: tuple[int, ...]


def transform_physics(physics: np.ndarray) -> np.ndarray:
    """Teff [K], M_G [mag], period [days] (N, 3) -> log10 Teff, M_G, log10 period (N, 3).

    The transforms of :func:`varsynth.data.tensors.physics_matrix`.

    Raises:
        RegressorError: non-finite values, or Teff / period not positive.
    """
    physics = np.atleast_2d(np.asarray(physics, dtype=np.float64))
    if physics.shape[1] != len(PHYSICS_CHOICES):
        raise RegressorError(f"physics must have columns {PHYSICS_CHOICES}, got shape {physics.shape}")
    logged = physics[:, list(_LOG10)]
    if not np.all(np.isfinite(physics)) or np.any(logged <= 0):
        raise RegressorError("physics must be finite, with Teff and period > 0")
    out = physics.copy()
    out[:, list(_LOG10)] = np.log10(logged)
    return out


def _design(phys: np.ndarray, class_index: np.ndarray, reg: LatentRegressors) -> np.ndarray:
    """Standardised transformed physics and one-hot class (N, 3 + C), without the dummy."""
    onehot = np.eye(reg.n_classes)[np.asarray(class_index, dtype=np.int64)]
    return np.hstack([(phys - reg.phys_mean) / reg.phys_std, onehot])


def augment_dummy(
    x: np.ndarray, mu: np.ndarray, sigma: np.ndarray, *, n_copies: int, n_draws: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The paper's dummy-dimension augmentation (pairing in the module docstring).

    Arguments:
        x: inputs of N objects (N, F).
        mu, sigma: their latent means and standard deviations (N, Z).
        n_copies: copies per object; a multiple of ``n_draws``.
        n_draws: latent draws per object.
        rng: source of the draws and the dummy values.

    Returns:
        ``(inputs (N * n_copies, F + 1) with u last, targets (N * n_copies, Z), owner
        (N * n_copies,) index of the object of each row)``; the rows of an object are contiguous.
    """
    n, z = mu.shape
    if n_copies % n_draws:
        raise RegressorError(f"n_copies ({n_copies}) must be a multiple of n_draws ({n_draws})")
    draws = mu[:, None, :] + sigma[:, None, :] * rng.standard_normal((n, n_draws, z))  # (N, D, Z)
    targets = draws[:, np.arange(n_copies) % n_draws, :].reshape(n * n_copies, z)
    dummy = rng.uniform(0.0, 1.0, size=(n * n_copies, 1))
    inputs = np.hstack([np.repeat(x, n_copies, axis=0), dummy])
    return inputs, targets, np.repeat(np.arange(n), n_copies)


def _make(name: str, settings: RegressionSettings, n_rows: int = 1) -> RegressorMixin:
    """An unfitted regressor for ``n_rows`` augmented rows."""
    if name == "linear":
        return LinearRegression()
    if name == "rf":
        cap = settings.rf_max_samples
        return RandomForestRegressor(
            n_estimators=settings.rf_trees,
            min_samples_leaf=settings.rf_min_samples_leaf,
            max_leaf_nodes=settings.rf_max_leaf_nodes,
            max_samples=None if cap is None or cap >= n_rows else cap,
            random_state=settings.seed,
            n_jobs=-1,
        )
    if name == "mlp":
        return MLPRegressor(
            hidden_layer_sizes=settings.mlp_hidden, max_iter=settings.mlp_max_iter, random_state=settings.seed
        )
    raise RegressorError(f"unknown regressor {name!r}; choose from {list(REGRESSORS)}")


def fit_regressors(
    phys: np.ndarray,
    class_index: np.ndarray,
    mu: np.ndarray,
    sigma: np.ndarray,
    *,
    n_classes: int,
    names: Sequence[str] = REGRESSORS,
    settings: RegressionSettings = RegressionSettings(),
) -> tuple[LatentRegressors, dict[str, dict[str, Any]]]:
    """Fit the regressors on N objects with the dummy-dimension augmentation.

    Arguments:
        phys: transformed physics (N, 3): log10 Teff, M_G, log10 period, all finite.
        class_index: class of each object (N,), below ``n_classes``.
        mu, sigma: latent means and standard deviations (N, Z).
        n_classes: length of the one-hot class.
        names: regressors to fit, from :data:`REGRESSORS`.
        settings: augmentation and regressor settings.

    Returns:
        ``(regressors, {name: {"fit_seconds": s, ...}})``.
    """
    if len(phys) < 2 or not np.all(np.isfinite(phys)):
        raise RegressorError(f"need at least 2 objects with finite physics to fit, got {len(phys)}")
    mean, std = fit_standardisation(phys, np.ones_like(phys))
    reg = LatentRegressors(
        {},
        np.asarray(mean),
        np.asarray(std),
        n_classes,
        mu.shape[1],
        tuple(sorted({int(c) for c in class_index})),
    )
    rng = np.random.default_rng(settings.seed)
    inputs, targets, _ = augment_dummy(
        _design(phys, class_index, reg), mu, sigma, n_copies=settings.n_copies, n_draws=settings.n_draws, rng=rng
    )
    info: dict[str, dict[str, Any]] = {}
    for name in names:
        model = _make(name, settings, len(inputs))
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(inputs, targets)
        info[name] = {"fit_seconds": time.perf_counter() - start, "rows": len(inputs)}
        if name == "rf":
            # threads add the trees' predictions in finishing order: not bit-reproducible
            model.set_params(n_jobs=None)
        if name == "mlp":
            info[name]["epochs"] = int(model.n_iter_)
            info[name]["converged"] = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        reg.models[name] = model
    return reg, info


def _predict(
    reg: LatentRegressors, name: str, phys: np.ndarray, class_index: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Latent codes (N, Z) from transformed physics (N, 3), classes (N,) and a fresh dummy draw."""
    if name not in reg.models:
        raise RegressorError(f"no {name!r} regressor; fitted: {sorted(reg.models)}")
    unseen = sorted({int(c) for c in class_index} - set(reg.fit_classes))
    if unseen:
        raise RegressorError(f"class indices {unseen} had no fitting objects; fitted classes: {list(reg.fit_classes)}")
    x = _design(phys, class_index, reg)
    dummy = rng.uniform(0.0, 1.0, size=(len(x), 1))
    return np.asarray(reg.models[name].predict(np.hstack([x, dummy]))).reshape(len(x), reg.latent_dim)


def predict_latent(
    regressors: LatentRegressors,
    name: str,
    physics: np.ndarray | Sequence[float],
    class_index: int | np.ndarray | Sequence[int],
    rng: np.random.Generator,
) -> np.ndarray:
    """Latent codes for chosen physical parameters (the generation step of section 4.3).

    Arguments:
        regressors: fitted or loaded regressors.
        name: ``linear``, ``rf`` or ``mlp``.
        physics: Teff [K], absolute G magnitude [mag], period [days]; shape (3,) or (N, 3).
        class_index: index into :data:`varsynth.taxonomy.CLASSES`, one or (N,).
        rng: draws the dummy coordinate u ~ U(0, 1): different draws give different codes.

    Returns:
        Latent codes (N, Z).
    """
    phys = transform_physics(np.asarray(physics, dtype=np.float64))
    classes = np.broadcast_to(np.asarray(class_index, dtype=np.int64), (len(phys),))
    return _predict(regressors, name, phys, classes, rng)


def evaluate_regressors(
    regressors: LatentRegressors,
    phys: np.ndarray,
    class_index: np.ndarray,
    mu: np.ndarray,
    sigma: np.ndarray | None = None,
    *,
    seed: int,
    n_dummy: int = 10,
) -> dict[str, dict[str, Any]]:
    """RMSE and R^2, per latent dimension and overall, of every regressor on held-out objects.

    The target is each object's latent mean. ``rmse`` / ``r2`` (and per dimension): the
    prediction at one dummy draw per object, as in generation. ``rmse_mean_dummy`` /
    ``r2_mean_dummy``: the prediction averaged over ``n_dummy`` draws, the regression function
    without the spread the dummy coordinate adds. ``rmse_draw`` (with ``sigma``): against one
    latent draw z ~ N(mu, sigma) per object, the kind of target the regressors are fitted on and
    the scale of the paper's Table 3. Overall RMSE is over all entries, overall R^2 the
    variance-weighted one (1 - SSE / SST summed over dimensions).
    """
    if len(mu) < 2:
        raise RegressorError(f"need at least 2 held-out objects to evaluate, got {len(mu)}")
    out = {}
    for name in regressors.models:
        rng = np.random.default_rng(seed)
        pred = _predict(regressors, name, phys, class_index, rng)
        mean = np.mean([_predict(regressors, name, phys, class_index, rng) for _ in range(n_dummy)], axis=0)
        sq = (pred - mu) ** 2
        out[name] = {
            "rmse": float(np.sqrt(sq.mean())),
            "r2": float(r2_score(mu, pred, multioutput="variance_weighted")),
            "rmse_per_dim": np.sqrt(sq.mean(axis=0)).tolist(),
            "r2_per_dim": np.asarray(r2_score(mu, pred, multioutput="raw_values")).tolist(),
            "rmse_mean_dummy": float(np.sqrt(((mean - mu) ** 2).mean())),
            "r2_mean_dummy": float(r2_score(mu, mean, multioutput="variance_weighted")),
        }
        if sigma is not None:
            draw = mu + sigma * rng.standard_normal(mu.shape)
            out[name]["rmse_draw"] = float(np.sqrt(((pred - draw) ** 2).mean()))
    return out


def usable_mask(table: pd.DataFrame) -> np.ndarray:
    """Real (not augmented) samples with all three physical parameters present."""
    complete = np.all(np.isfinite(table[list(PHYS_COLUMNS)].to_numpy(dtype=np.float64)), axis=1)
    return complete & ~table["augmented"].to_numpy(dtype=bool)


def check_disjoint(fit_keys: Sequence[str], eval_keys: Sequence[str]) -> None:
    """Refuse a fitting and an evaluation set that share a star (the split is by object)."""
    shared = sorted(set(fit_keys) & set(eval_keys))
    if shared:
        raise RegressorError(f"{len(shared)} stars are in both the fitting and the evaluation set, e.g. {shared[:3]}")


def _counts(table: pd.DataFrame, mask: np.ndarray) -> dict[str, dict[str, int]]:
    """Per class: real samples, usable samples (all physics) and usable stars."""
    real = table[~table["augmented"].to_numpy(dtype=bool)]
    use = table[mask]
    return {
        str(c): {
            "real_samples": int((real["vclass"] == c).sum()),
            "usable_samples": int((use["vclass"] == c).sum()),
            "usable_stars": int(use.loc[use["vclass"] == c, "star_key"].nunique()),
        }
        for c in sorted(real["vclass"].unique())
    }


def _arrays(enc: EncodedSplit, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    t = enc.table[mask]
    phys = t[list(PHYS_COLUMNS)].to_numpy(dtype=np.float64)
    return phys, t["class_index"].to_numpy(dtype=np.int64), enc.mu[mask], enc.sigma[mask]


def _encode_sets(
    model: CVAE, meta: dict[str, Any], dataset_dir: str | Path, batch_size: int
) -> tuple[EncodedSplit, EncodedSplit]:
    """The real samples of the training split and of :data:`EVAL_SPLITS` (joined), encoded.

    The model's training data filter (surveys, bands, classes) applies, augmented copies never.
    """
    data = DataFilter.of_model(meta)
    data = replace(data, real_only=True)
    fit_enc = encode_split(model, dataset_dir, "train", batch_size=batch_size, data_filter=data)
    evals = [encode_split(model, dataset_dir, s, batch_size=batch_size, data_filter=data) for s in EVAL_SPLITS]
    eval_enc = EncodedSplit(
        np.concatenate([e.mu for e in evals]),
        np.concatenate([e.sigma for e in evals]),
        pd.concat([e.table for e in evals], ignore_index=True),
    )
    return fit_enc, eval_enc


def regress_bundle(
    bundle_dir: str | Path,
    dataset_dir: str | Path,
    *,
    names: Sequence[str] = REGRESSORS,
    settings: RegressionSettings = RegressionSettings(),
    batch_size: int = 512,
) -> tuple[LatentRegressors, dict[str, Any]]:
    """Encode a dataset with a bundle's model, fit the regressors and measure Table 3.

    Uses the model's training data filter (surveys, bands, classes) on real samples only; fits
    on the training split, evaluates on :data:`EVAL_SPLITS`.

    Returns:
        ``(regressors, report)``; the JSON-serialisable report holds the bundle, the settings,
        per-class counts and per-regressor metrics.
    """
    bundle_dir = Path(bundle_dir)
    for name in names:
        _make(name, settings)  # refuse unknown names before the slow part
    model, meta = load_bundle(bundle_dir)
    fit_enc, eval_enc = _encode_sets(model, meta, dataset_dir, batch_size)
    fit_mask, eval_mask = usable_mask(fit_enc.table), usable_mask(eval_enc.table)
    reg, info = fit_regressors(
        *_arrays(fit_enc, fit_mask), n_classes=model.config.n_classes, names=names, settings=settings
    )
    # held-out objects of classes without fitting objects cannot be predicted: counted, not scored
    unseen = ~np.isin(eval_enc.table["class_index"].to_numpy(), reg.fit_classes)
    scored = eval_mask & ~unseen
    fit_keys, eval_keys = fit_enc.table["star_key"][fit_mask], eval_enc.table["star_key"][scored]
    check_disjoint(fit_keys.tolist(), eval_keys.tolist())
    metrics = evaluate_regressors(reg, *_arrays(eval_enc, scored), seed=settings.seed + 1)
    for name in metrics:
        metrics[name].update(info[name])
    cfg = model.config
    card = Path(dataset_dir) / "data_card.json"
    report = {
        "bundle": {
            "model": "cVAE-P" if cfg.physics else "cVAE",
            "physics": list(cfg.physics),
            "arch": cfg.arch,
            "latent_dim": cfg.latent_dim,
            "name": meta.get("fit", {}).get("name"),
            "weights_sha256": file_sha256(bundle_dir / WEIGHTS),
        },
        "dataset": {
            "path": str(dataset_dir),
            "dataset_id": json.loads(card.read_text()).get("dataset_id") if card.exists() else None,
        },
        "inputs": [*PHYS_COLUMNS, f"one-hot class ({cfg.n_classes})", "dummy u ~ U(0, 1)"],
        "target": "latent mean mu of each held-out object",
        "settings": settings.to_dict(),
        "fit": {
            "split": "train",
            "samples": int(fit_mask.sum()),
            "stars": int(fit_keys.nunique()),
            "per_class": _counts(fit_enc.table, fit_mask),
        },
        "eval": {
            "splits": list(EVAL_SPLITS),
            "samples": int(scored.sum()),
            "stars": int(eval_keys.nunique()),
            "unseen_class_samples": int((eval_mask & unseen).sum()),
            "per_class": _counts(eval_enc.table, eval_mask),
        },
        # scale of the targets: spread of the latent means, and the posterior width of the draws
        "latent_mu_std": fit_enc.mu[fit_mask].std(axis=0).tolist(),
        "latent_sigma_mean": fit_enc.sigma[fit_mask].mean(axis=0).tolist(),
        "metrics": metrics,
    }
    return reg, report


def save_regressors(bundle_dir: str | Path, regressors: LatentRegressors, report: dict[str, Any]) -> Path:
    """Write the bundle's ``regressors`` component: ``regressor-<name>.skops`` files and
    ``regressors.json``.

    Regressor files of an earlier fit that are not in ``regressors`` are removed.

    Raises:
        RegressorError: the report was measured on other weights than the bundle's.
    """
    bundle_dir = Path(bundle_dir)
    weights = file_sha256(bundle_dir / WEIGHTS)
    if report.get("bundle", {}).get("weights_sha256", weights) != weights:
        raise RegressorError(f"{bundle_dir}: the regressors were fitted on another model's latent space")
    blobs = {
        f"regressor-{name}.skops": sio.dumps(model, compression=zipfile.ZIP_DEFLATED)
        for name, model in regressors.models.items()
    }
    files = {
        name: {
            "file": f"regressor-{name}.skops",
            "sha256": hashlib.sha256(blobs[f"regressor-{name}.skops"]).hexdigest(),
            "type": type(model).__name__,
        }
        for name, model in regressors.models.items()
    }
    info = {
        "format_version": _FORMAT_VERSION,
        "kind": _KIND,
        "bundle_weights_sha256": weights,
        "phys_mean": regressors.phys_mean.tolist(),
        "phys_std": regressors.phys_std.tolist(),
        "n_classes": regressors.n_classes,
        "latent_dim": regressors.latent_dim,
        "fit_classes": list(regressors.fit_classes),
        "files": files,
        "report": report,
    }
    write_component(bundle_dir, "regressors", {**blobs, REGRESSORS_FILE: info})
    return bundle_dir / REGRESSORS_FILE


def load_regressors(bundle_dir: str | Path) -> tuple[LatentRegressors, dict[str, Any]]:
    """Load the regressors saved in a bundle (its ``regressors`` component); no code from the
    files is run.

    Returns:
        ``(regressors, report)``.

    Raises:
        RegressorError: missing or corrupted files, a file with types outside
            :data:`TRUSTED_TYPES`, or regressors fitted for other weights than the bundle's.
    """
    bundle_dir = Path(bundle_dir)
    path = bundle_dir / REGRESSORS_FILE
    try:
        open_component(bundle_dir, "network")  # verified: the weights the regressors are bound to
        component = open_component(bundle_dir, "regressors")
        if component is None:
            raise RegressorError(f"{path} is missing: run `varsynth regress` first")
        info = component.json(REGRESSORS_FILE)
    except BundleError as err:
        raise RegressorError(str(err)) from err
    if not isinstance(info, dict) or info.get("kind") != _KIND or info.get("format_version") != _FORMAT_VERSION:
        raise RegressorError(f"{path}: not a {_KIND} file of format {_FORMAT_VERSION}")
    if info["bundle_weights_sha256"] != file_sha256(bundle_dir / WEIGHTS):
        raise RegressorError(
            f"{path}: fitted for other weights than {bundle_dir / WEIGHTS}; run `varsynth regress` again"
        )
    models = {}
    for name, entry in info["files"].items():
        file = component.path(entry["file"])
        if not file.exists() or file_sha256(file) != entry["sha256"]:
            raise RegressorError(f"{file} is missing or does not match its checksum in {path}")
        untrusted = sorted(set(sio.get_untrusted_types(file=file)) - set(TRUSTED_TYPES))
        if untrusted:
            raise RegressorError(f"{file} holds types that are not trusted: {untrusted}")
        model = sio.load(file, trusted=list(TRUSTED_TYPES))
        if type(model) is not _ESTIMATORS.get(name):
            raise RegressorError(f"{file}: expected a {name} regressor, found {type(model).__name__}")
        models[name] = model
    reg = LatentRegressors(
        models,
        np.asarray(info["phys_mean"]),
        np.asarray(info["phys_std"]),
        int(info["n_classes"]),
        int(info["latent_dim"]),
        tuple(int(c) for c in info["fit_classes"]),
    )
    return reg, info["report"]


def format_table(report: dict[str, Any]) -> str:
    """Table 3 rows of a report as text: RMSE and R^2 overall and per latent dimension."""
    b, fit, ev = report["bundle"], report["fit"], report["eval"]

    def usable(side: dict[str, Any], vclass: str) -> int:
        return side["per_class"].get(vclass, {}).get("usable_samples", 0)

    lines = [
        f"{b['model']} ({b['arch']}, latent {b['latent_dim']}, physics {b['physics'] or 'none'})",
        f"  fit: {fit['samples']} samples of {fit['stars']} stars (train); "
        f"held out: {ev['samples']} samples of {ev['stars']} stars ({' + '.join(ev['splits'])})",
        "  usable per class (fit / held out): "
        + ", ".join(
            f"{c} {usable(fit, c)}/{usable(ev, c)}" for c in sorted(set(fit["per_class"]) | set(ev["per_class"]))
        ),
        "  latent means: std "
        + " ".join(f"{v:.3f}" for v in report["latent_mu_std"])
        + "; posterior sigma: mean "
        + " ".join(f"{v:.3f}" for v in report["latent_sigma_mean"]),
        "  vs the latent mean: RMSE, R^2, per dimension; averaged over the dummy: RMSE, R^2; vs a latent draw: RMSE",
    ]
    for name, m in report["metrics"].items():
        dims = " / ".join(" ".join(f"{v:.3f}" for v in m[k]) for k in ("rmse_per_dim", "r2_per_dim"))
        lines.append(
            f"  {name:<6} {m['rmse']:6.3f} {m['r2']:7.3f}   [{dims}]   "
            f"{m['rmse_mean_dummy']:6.3f} {m['r2_mean_dummy']:7.3f}   {m.get('rmse_draw', float('nan')):6.3f}"
        )
    return "\n".join(lines)
