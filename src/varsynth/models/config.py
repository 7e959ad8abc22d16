"""The one configuration of the PELS-VAE model family (cVAE and cVAE-P).

A :class:`ModelConfig` fully describes a network: architecture, sizes, conditioning and the
standardisation of the physical parameters, so that a saved model rebuilds itself from its
config alone. Invalid values are refused with a message naming the key and its valid range.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from varsynth.lightcurve import PHYSICS_NAMES
from varsynth.strictconfig import ConfigError, _check, _from_dict, to_plain
from varsynth.taxonomy import CLASSES

__all__ = ["ARCHITECTURES", "DECODERS", "PHYSICS_CHOICES", "PRIORS", "TIME_TAGS", "ModelConfig"]

#: Encoder inputs: a sequence stack over the resampled steps (the paper), or a weighted Fourier
#: fit of the irregular points (``fourier``, :mod:`varsynth.models.fourier_encoder`).
ARCHITECTURES: tuple[str, ...] = ("tcn", "gru", "lstm", "fourier")
#: Decoders: the paper's time-tagged sequence stack, or the continuous periodic Fourier decoder.
DECODERS: tuple[str, ...] = ("sequence", "periodic")
PHYSICS_CHOICES: tuple[str, ...] = PHYSICS_NAMES  # the physical parameters a model may be conditioned on
#: The VAE's latent prior in training: N(0, I) (the paper), or a diagonal Gaussian whose mean and
#: variance a small network predicts from class, physics and wavelength (``conditional``).
PRIORS: tuple[str, ...] = ("standard", "conditional")
#: How the decoder's time steps are tagged: phase differences (the paper) or phases.
TIME_TAGS: tuple[str, ...] = ("delta", "phase")


@dataclass(frozen=True)
class ModelConfig:
    """Hyperparameters of the conditional VAE (the paper's Table 2 names in brackets).

    Attributes:
        arch: sequence layers of the encoder (and of the sequence decoder), ``tcn``, ``gru`` or
            ``lstm`` [seq_arch]; or ``fourier``: the encoder reads a weighted Fourier fit of the
            points (needs ``decoder: periodic``).
        encoder_harmonics: order of the ``fourier`` encoder's fit.
        encoder_ridge: smoothness penalty (per point, times k^2) of the ``fourier`` encoder's fit.
        decoder: ``sequence`` (the paper's time-tagged stack) or ``periodic`` (a continuous
            Fourier-series decoder, exactly periodic; see :mod:`varsynth.models.periodic`).
        harmonics: harmonics K of the periodic decoder's magnitude series.
        err_harmonics: harmonics of the periodic decoder's error series.
        phys_dropout: in training, probability of hiding each physical parameter from the
            encoder (so that it can encode light curves whose physics is unknown, for inference).
        hidden: hidden units of the TCN channels or RNN cells [n_size] (the ``fourier``
            encoder's dense layers and the periodic decoder's coefficient network).
        decoder_hidden: units of the periodic decoder's coefficient network when they differ
            from ``hidden`` (``None``: ``hidden``). Drawing light curves runs the decoder only,
            so a wider encoder with a narrow decoder trains a larger network that draws as fast.
        tcn_blocks: temporal blocks of the TCN [n_blocks]; block i has dilation 2**i [d = 2].
        kernel_size: TCN convolution kernel, odd [k_size].
        rnn_layers: stacked RNN layers [n_layers].
        latent_dim: latent space dimension [z_dim].
        dropout: dropout probability [p_drop].
        physics: physical parameters given to the encoder (empty tuple: the class-only cVAE).
        decoder_physics: also give the physical parameters to the decoder.
        condition_wavelength: give the passband's effective wavelength to encoder and decoder.
        colour_wavelengths: that wavelength is each star's temperature through its band
            (:func:`varsynth.bands.effective_wavelength`; datasets of format 2 on) rather than the
            band's published value (``None`` or ``False``); set by training from the dataset, so
            that a model is always given the wavelengths of the convention it was trained with.
        time_tag: ``delta`` tags decoder steps with phase differences (paper), ``phase`` with
            the phase itself.
        n_classes: number of classes of the one-hot label.
        phys_mean, phys_std: standardisation of the transformed physical parameters
            (log10 Teff, M_G, log10 period), fitted on the training split.
        min_err: floor of the scaled errors in the weighted MSE (avoids 1/0 weights).
        prior: the latent prior of the KL term in training: ``standard`` (N(0, I), the paper) or
            ``conditional`` (N(m, diag s^2) with m and s from class, physics and wavelength, so that
            the latent codes are pulled towards what the physics predicts; generation still draws
            from the flow prior trained afterwards).
    """

    arch: str = "tcn"
    decoder: str = "sequence"
    harmonics: int = 16
    err_harmonics: int = 2
    encoder_harmonics: int = 10
    encoder_ridge: float = 1e-3
    phys_dropout: float = 0.0
    hidden: int = 48
    decoder_hidden: int | None = None
    tcn_blocks: int = 9
    kernel_size: int = 5
    rnn_layers: int = 1
    latent_dim: int = 4
    dropout: float = 0.2
    physics: tuple[str, ...] = ()
    decoder_physics: bool = False
    condition_wavelength: bool = False
    colour_wavelengths: bool | None = None
    time_tag: str = "delta"
    n_classes: int = len(CLASSES)
    phys_mean: tuple[float, ...] = ()
    phys_std: tuple[float, ...] = ()
    min_err: float = 0.01
    prior: str = "standard"

    def __post_init__(self) -> None:
        _check(self.arch in ARCHITECTURES, "model.arch", f"one of {list(ARCHITECTURES)}", self.arch)
        _check(self.decoder in DECODERS, "model.decoder", f"one of {list(DECODERS)}", self.decoder)
        _check(
            self.arch != "fourier" or self.decoder == "periodic",
            "model.arch",
            "'fourier' only with model.decoder 'periodic'",
            self.arch,
        )
        _check(1 <= self.encoder_harmonics <= 32, "model.encoder_harmonics", "in [1, 32]", self.encoder_harmonics)
        _check(self.encoder_ridge >= 0, "model.encoder_ridge", ">= 0", self.encoder_ridge)
        _check(1 <= self.harmonics <= 64, "model.harmonics", "in [1, 64]", self.harmonics)
        _check(0 <= self.err_harmonics <= 16, "model.err_harmonics", "in [0, 16]", self.err_harmonics)
        _check(0 <= self.phys_dropout < 1, "model.phys_dropout", "in [0, 1)", self.phys_dropout)
        _check(self.hidden >= 1, "model.hidden", ">= 1", self.hidden)
        _check(
            self.decoder_hidden is None or self.decoder_hidden >= 1,
            "model.decoder_hidden",
            ">= 1 or null",
            self.decoder_hidden,
        )
        _check(self.tcn_blocks >= 1, "model.tcn_blocks", ">= 1", self.tcn_blocks)
        _check(
            self.kernel_size >= 1 and self.kernel_size % 2 == 1,
            "model.kernel_size",
            "an odd integer >= 1",
            self.kernel_size,
        )
        _check(self.rnn_layers >= 1, "model.rnn_layers", ">= 1", self.rnn_layers)
        _check(self.latent_dim >= 1, "model.latent_dim", ">= 1", self.latent_dim)
        _check(0 <= self.dropout < 1, "model.dropout", "in [0, 1)", self.dropout)
        bad = [p for p in self.physics if p not in PHYSICS_CHOICES]
        _check(not bad, "model.physics", f"drawn from {list(PHYSICS_CHOICES)}", list(self.physics))
        _check(self.time_tag in TIME_TAGS, "model.time_tag", f"one of {list(TIME_TAGS)}", self.time_tag)
        _check(self.n_classes >= 1, "model.n_classes", ">= 1", self.n_classes)
        _check(self.min_err > 0, "model.min_err", "> 0", self.min_err)
        _check(self.prior in PRIORS, "model.prior", f"one of {list(PRIORS)}", self.prior)
        if self.phys_mean or self.phys_std:
            _check(
                len(self.phys_mean) == len(self.phys_std) == len(self.physics),
                "model.phys_mean / model.phys_std",
                f"of length {len(self.physics)} (one per physical parameter)",
                (self.phys_mean, self.phys_std),
            )

    @property
    def n_physics(self) -> int:
        """Number of physical parameters the model is conditioned on."""
        return len(self.physics)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """Build from a plain dict; unknown keys are refused."""
        try:
            return _from_dict(cls, data, "model config")
        except TypeError as err:
            raise ConfigError(f"model config: {err}") from err

    def to_dict(self) -> dict[str, Any]:
        """Plain dict with lists instead of tuples (JSON and YAML friendly)."""
        return to_plain(self)

    def replace(self, **changes: Any) -> ModelConfig:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)
