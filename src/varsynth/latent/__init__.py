"""The latent space of a trained model: encoding datasets and physics-to-latent regressors.

:mod:`varsynth.latent.encode` encodes a dataset split with a model's encoder;
:mod:`varsynth.latent.regressors` fits the paper's linear, random-forest and perceptron
regressors from physical parameters to the latent space (section 4.2, Table 3), stores them next
to the model bundle and maps chosen physical parameters to latent codes for generation.
"""

from varsynth.latent.encode import EncodedSplit, encode_split
from varsynth.latent.regressors import (
    REGRESSORS,
    LatentRegressors,
    RegressionSettings,
    RegressorError,
    load_regressors,
    predict_latent,
    regress_bundle,
    save_regressors,
)

__all__ = [
    "EncodedSplit", "encode_split", "REGRESSORS", "LatentRegressors", "RegressionSettings",
    "RegressorError", "load_regressors", "predict_latent", "regress_bundle", "save_regressors",
]
