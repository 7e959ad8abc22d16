"""The latent space of a trained model: encoding datasets and physics-to-latent regressors.

:mod:`varsynth.latent.encode` encodes a dataset split with a model's encoder;
:mod:`varsynth.latent.regressors` fits the paper's linear, random-forest and perceptron
regressors from physical parameters to the latent space (section 4.2, Table 3), stores them next
to the model bundle and maps chosen physical parameters to latent codes for generation. The names
are imported on first use, so that generation (which needs :mod:`.catalog` and :mod:`.flow`
only) does not pay for scikit-learn and skops at start-up.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "EncodedSplit": "encode",
    "encode_split": "encode",
    **{
        name: "regressors"
        for name in (
            "REGRESSORS",
            "LatentRegressors",
            "RegressionSettings",
            "RegressorError",
            "load_regressors",
            "predict_latent",
            "regress_bundle",
            "save_regressors",
        )
    },
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"varsynth.latent.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'varsynth.latent' has no attribute {name!r}")
