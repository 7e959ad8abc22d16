"""Former home of the dataset tensors, kept so that ``varsynth.training.data`` imports still work.

The tensors and loaders live in :mod:`varsynth.data.tensors` (below training and the latent
prior in the import layers; see docs/architecture.md).
"""

from varsynth.data.tensors import DataFilter, LightCurveTensors, fit_standardisation, load_split, physics_matrix

__all__ = ["DataFilter", "LightCurveTensors", "load_split", "physics_matrix", "fit_standardisation"]
