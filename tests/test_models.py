"""The PELS-VAE model family: shapes, gradients, loss terms, training, resume and bundles."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from helpers import write_tiny_dataset

from varsynth.bundle import BundleError, load_bundle, record_files, save_bundle
from varsynth.config import ConfigError
from varsynth.models.config import ModelConfig
from varsynth.models.cvae import CVAE
from varsynth.models.loss import kl_errors, kl_latent, pelsvae_loss, weighted_mse
from varsynth.training.config import TrainConfig, load_train_config
from varsynth.training.fit import fit

ARCHS = ["tcn", "gru", "lstm"]


def batch(b: int = 4, t: int = 32, p: int = 3) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    mask = torch.ones(b, t, dtype=torch.bool)
    mask[0, t // 2 :] = False  # one shorter light curve
    return {
        "phase": torch.sort(torch.rand(b, t, generator=g))[0],
        "mag": torch.rand(b, t, generator=g),
        "mag_err": 0.01 + 0.05 * torch.rand(b, t, generator=g),
        "mask": mask,
        "class_index": torch.tensor([0, 3, 6, 7])[:b],
        "phys": torch.randn(b, p, generator=g),
        "phys_mask": torch.tensor([[1.0, 0.0, 1.0]] * b)[:, :p],
        "wave": torch.full((b,), 0.8),
    }


def small(arch: str, **kw) -> ModelConfig:
    return ModelConfig(arch=arch, hidden=8, tcn_blocks=3, kernel_size=3, latent_dim=4, **kw)


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("physics", [(), ("teff", "abs_mag", "period")])
def test_shapes_gradients_and_train_eval(arch, physics):
    model = CVAE(small(arch, physics=physics, decoder_physics=bool(physics), condition_wavelength=True))
    b = batch()
    mag_hat, err_hat, mu, logvar = model(b)
    assert mag_hat.shape == err_hat.shape == (4, 32) and mu.shape == logvar.shape == (4, 4)
    assert float(mag_hat.min()) >= 0 and float(mag_hat.max()) <= 1
    loss = pelsvae_loss(b["mag"], b["mag_err"], b["mask"], mag_hat, err_hat, mu, logvar, beta=0.75, min_err=0.01)
    loss.total.backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
    model.eval()
    with torch.no_grad():
        a, _, _, _ = model(b)
        c, _, _, _ = model(b)
    torch.testing.assert_close(a, c)  # eval uses the latent mean: deterministic


@pytest.mark.parametrize("arch", ARCHS)
def test_decoder_output_at_a_step_does_not_see_later_steps(arch):
    """Causality of TCN and RNN decoders: changing late phases leaves early outputs unchanged."""
    model = CVAE(small(arch)).eval()
    b = batch()
    z = torch.zeros(4, 4)
    cond = model.condition(b, decoder=True)
    out1, _ = model.decode(z, cond, b["phase"])
    phase = b["phase"].clone()
    phase[:, 20:] = torch.sort(torch.rand(4, 12), dim=1)[0] * 0.1 + 0.9
    out2, _ = model.decode(z, cond, phase)
    torch.testing.assert_close(out1[:, :20], out2[:, :20])


def test_weighted_mse_known_answer():
    mag = torch.tensor([[0.0, 1.0, 0.5]])
    hat = torch.tensor([[0.1, 0.8, 0.9]])
    err = torch.tensor([[0.1, 0.2, 0.001]])
    mask = torch.tensor([[True, True, False]])
    # (0.1/0.1)^2 = 1, (0.2/0.2)^2 = 1, third point masked: mean 1
    assert float(weighted_mse(mag, hat, err, mask, min_err=0.01)) == pytest.approx(1.0)
    # the error floor applies: 0.1 error floored at 0.5 gives (0.1/0.5)^2 = 0.04
    assert float(weighted_mse(mag[:, :1], hat[:, :1], err[:, :1], mask[:, :1], min_err=0.5)) == pytest.approx(0.04)


def test_kl_latent_known_answer():
    assert float(kl_latent(torch.zeros(2, 3), torch.zeros(2, 3))) == 0.0
    mu = torch.tensor([[1.0, 0.0]])
    logvar = torch.tensor([[0.0, math.log(2.0)]])
    expected = 0.5 * ((1 + 1 - 0 - 1) + (2 + 0 - math.log(2.0) - 1))
    assert float(kl_latent(mu, logvar)) == pytest.approx(expected)


def test_kl_latent_against_a_conditional_prior_known_answer():
    mu = torch.tensor([[1.0, 0.0]])
    logvar = torch.tensor([[0.0, math.log(2.0)]])
    # the standard prior given explicitly is the default
    zeros = (torch.zeros(1, 2), torch.zeros(1, 2))
    assert float(kl_latent(mu, logvar, prior=zeros)) == pytest.approx(float(kl_latent(mu, logvar)))
    # a posterior equal to its prior costs nothing
    assert float(kl_latent(mu, logvar, prior=(mu, logvar))) == pytest.approx(0.0, abs=1e-7)
    # KL(N(1, 1) || N(0.5, 4)) + KL(N(0, 2) || N(1, 0.5)), closed form
    p_mu, p_var = torch.tensor([[0.5, 1.0]]), torch.tensor([[4.0, 0.5]])
    want = 0.5 * ((1 + 0.25) / 4 + math.log(4) - 0 - 1) + 0.5 * ((2 + 1) / 0.5 + math.log(0.5) - math.log(2) - 1)
    assert float(kl_latent(mu, logvar, prior=(p_mu, p_var.log()))) == pytest.approx(want, rel=1e-6)


def test_conditional_prior_follows_the_physics():
    """The conditional prior's mean depends on class and physics and gets gradients from the KL."""
    cfg = ModelConfig(arch="gru", hidden=8, latent_dim=3, physics=("teff", "abs_mag", "period"), prior="conditional")
    model = CVAE(cfg)
    b = batch()
    pm, plv = model.prior(b)
    assert pm.shape == plv.shape == (4, 3)
    b2 = dict(b, phys=b["phys"] + 1.0)
    assert not torch.allclose(model.prior(b2)[0], pm)
    mag_hat, err_hat, mu, logvar = model(b)
    loss = pelsvae_loss(
        b["mag"], b["mag_err"], b["mask"], mag_hat, err_hat, mu, logvar, beta=1.0, min_err=0.01, prior=(pm, plv)
    )
    loss.total.backward()
    assert all(p.grad is not None for p in model.prior_net.parameters())
    assert CVAE(ModelConfig(arch="gru", hidden=8)).prior(b) is None
    with pytest.raises(ConfigError, match="model.prior"):
        ModelConfig(prior="flow")


def test_kl_errors_known_answer():
    err = torch.tensor([[0.1, 0.1, 0.2]])
    mask = torch.ones(1, 3, dtype=torch.bool)
    assert float(kl_errors(err, err, mask)) == pytest.approx(0.0, abs=1e-7)
    hat = torch.tensor([[0.2, 0.1, 0.1]])
    p = np.array([0.25, 0.25, 0.5])
    q = np.array([0.5, 0.25, 0.25])
    assert float(kl_errors(err, hat, mask)) == pytest.approx(float((p * np.log(p / q)).sum()), rel=1e-5)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"arch": "transformer"}, "model.arch must be one of"),
        ({"kernel_size": 4}, "model.kernel_size must be an odd integer"),
        ({"latent_dim": 0}, "model.latent_dim must be >= 1"),
        ({"dropout": 1.5}, "model.dropout must be in"),
        ({"physics": ["radius"]}, "model.physics must be drawn from"),
    ],
)
def test_bad_model_configs_are_refused(changes, message):
    with pytest.raises(ConfigError, match=message):
        ModelConfig.from_dict(changes)


def test_unknown_train_config_key(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("optim: {learning_rate: 0.1}\n")
    with pytest.raises(ConfigError, match="unknown key.*learning_rate"):
        load_train_config(path)


def test_bundle_round_trip_and_bad_files(tmp_path):
    model = CVAE(small("gru", physics=("teff",), phys_mean=(3.8,), phys_std=(0.05,))).eval()
    save_bundle(tmp_path / "b", model, note="x")
    loaded, meta = load_bundle(tmp_path / "b")
    assert meta == {"note": "x"} and loaded.config == model.config
    b = batch(p=1)
    b["phys_mask"] = torch.ones(4, 1)
    torch.testing.assert_close(loaded(b)[0], model(b)[0])
    # another architecture's weights under this description: the recorded hash refuses them, and
    # with their hash recorded (an edit accepted on purpose) the tensor shapes do
    save_bundle(tmp_path / "t", CVAE(small("tcn")))
    (tmp_path / "t" / "model.json").write_text((tmp_path / "b" / "model.json").read_text())
    with pytest.raises(BundleError, match="model.safetensors is damaged"):
        load_bundle(tmp_path / "t")
    record_files(tmp_path / "t", ["model.safetensors"])
    with pytest.raises(BundleError, match="does not fit a gru model"):
        load_bundle(tmp_path / "t")
    (tmp_path / "t" / "model.safetensors").write_bytes(b"not a safetensors file")
    record_files(tmp_path / "t", ["model.safetensors"])
    with pytest.raises(BundleError, match="model.safetensors is corrupted"):
        load_bundle(tmp_path / "t")
    (tmp_path / "b" / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(BundleError, match="damaged"):
        load_bundle(tmp_path / "b")
    with pytest.raises(BundleError, match="not a varsynth model bundle"):
        load_bundle(tmp_path / "absent")


def _tiny_cfg(arch: str) -> TrainConfig:
    return TrainConfig.from_dict(
        {
            "name": "tiny",
            "model": {
                "arch": arch,
                "hidden": 16,
                "tcn_blocks": 3,
                "kernel_size": 3,
                "latent_dim": 2,
                "dropout": 0.0,
                "physics": ["teff", "abs_mag", "period"],
            },
            "optim": {"batch_size": 8, "lr": 0.01, "scheduler": "none", "beta": 0.1, "seed": 3},
        }
    )


def _losses(run_dir) -> list[float]:
    import csv

    rows = []
    for f in sorted(run_dir.glob("logs/version_*/metrics.csv")):
        rows += [r for r in csv.DictReader(f.open()) if r.get("train/loss")]
    return [float(r["train/loss"]) for r in rows]


def test_tiny_fit_loss_decreases_and_resume_continues(tmp_path):
    data = write_tiny_dataset(tmp_path / "data")
    run = tmp_path / "run"
    first = fit(_tiny_cfg("gru"), data, run, max_epochs=3, progress=False)
    assert first.epochs == 3 and (run / "bundle" / "model.safetensors").is_file()
    with pytest.raises(ConfigError, match="already holds a run"):
        fit(_tiny_cfg("gru"), data, run, max_epochs=3, progress=False)
    resumed = fit(_tiny_cfg("gru"), data, run, max_epochs=6, resume=True, progress=False)
    assert resumed.epochs == 6
    losses = _losses(run)
    assert len(losses) == 6  # epochs 0-2, then 3-5 after the resume: none repeated, none lost
    assert losses[-1] < losses[0]
    with pytest.raises(ConfigError, match="another model"):
        fit(_tiny_cfg("lstm"), data, run, max_epochs=7, resume=True, progress=False)


def test_fixed_seed_reproduces_a_run(tmp_path):
    data = write_tiny_dataset(tmp_path / "data")
    a = fit(_tiny_cfg("tcn"), data, tmp_path / "a", max_epochs=2, progress=False)
    b = fit(_tiny_cfg("tcn"), data, tmp_path / "b", max_epochs=2, progress=False)
    assert a.best_val_loss == b.best_val_loss
    assert _losses(tmp_path / "a") == _losses(tmp_path / "b")


@pytest.mark.parametrize("clip", [None, 0.5])
def test_gradient_clip_bounds_the_norm_each_optimizer_step_applies(tmp_path, clip):
    """The optimizer sees gradients of total norm at most ``optim.gradient_clip`` (a tiny run's
    norms are far above 0.5); without it, well above."""
    from dataclasses import replace

    from lightning.pytorch.callbacks import Callback

    norms: list[float] = []

    class Steps(Callback):
        def on_train_start(self, trainer, module):
            def record(optimizer, args, kwargs):
                grads = [p.grad for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
                norms.append(float(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads]))))

            trainer.optimizers[0].register_step_post_hook(record)  # after the closure: the grads it applied

    cfg = _tiny_cfg("gru")
    cfg = replace(cfg, optim=replace(cfg.optim, gradient_clip=clip))
    fit(cfg, write_tiny_dataset(tmp_path / "data"), tmp_path / "run", max_epochs=2, progress=False, callbacks=[Steps()])
    assert len(norms) >= 4
    if clip is None:
        assert max(norms) > 5.0
    else:
        assert max(norms) <= clip * (1 + 1e-5)
    with pytest.raises(ConfigError, match="optim.gradient_clip must be null or > 0"):
        TrainConfig.from_dict({"optim": {"gradient_clip": 0}})


def test_tensor_batches_slice_once(tmp_path):
    """Regression test: LightCurveTensors.batch(slice) returned empty batches after the first."""
    from varsynth.data.tensors import load_split

    data = write_tiny_dataset(tmp_path / "data")
    ds = load_split(data, "train", physics=())
    second = ds.batch(slice(4, 8))
    assert second["mag"].shape[0] == 4
    torch.testing.assert_close(second["mag"], ds.mag[4:8])


def test_bench_reports_every_architecture(tmp_path):
    from varsynth.bench import train_step_times

    data = write_tiny_dataset(tmp_path / "data")
    out = train_step_times(_tiny_cfg("tcn"), data, ["tcn", "gru"], steps=1)
    assert set(out["archs"]) == {"tcn", "gru"}
    assert all(v["seconds_per_step"] > 0 and v["parameters"] > 0 for v in out["archs"].values())


def test_epoch_time_of_a_run_killed_before_fit_json_comes_from_its_logged_metrics(tmp_path):
    from varsynth.training.fit import _logged_epoch_seconds

    assert math.isnan(_logged_epoch_seconds(tmp_path))
    (tmp_path / "logs" / "version_0").mkdir(parents=True)
    (tmp_path / "logs" / "version_0" / "metrics.csv").write_text(
        "epoch,step,time/epoch,val/loss\n0,10,,5.0\n0,10,100.0,\n1,20,,4.0\n1,20,120.0,\n"
    )
    assert _logged_epoch_seconds(tmp_path) == 110.0
    (tmp_path / "fit.json").write_text('{"seconds_per_epoch": 42.0}')
    assert _logged_epoch_seconds(tmp_path) == 42.0


# Every range check of ModelConfig: its boundary values are accepted, the values just past them are
# refused with a message naming the option and its range (the refusals promised by the config docs).
CONFIG_BOUNDS = [
    ("encoder_harmonics", (1, 32), (0, 33), "in [1, 32]"),
    ("encoder_ridge", (0.0,), (-1e-9,), ">= 0"),
    ("harmonics", (1, 64), (0, 65), "in [1, 64]"),
    ("err_harmonics", (0, 16), (-1, 17), "in [0, 16]"),
    ("phys_dropout", (0.0, 0.999), (-0.1, 1.0), "in [0, 1)"),
    ("hidden", (1,), (0,), ">= 1"),
    ("tcn_blocks", (1,), (0,), ">= 1"),
    ("kernel_size", (1, 3), (-1, 0, 2), "an odd integer >= 1"),
    ("rnn_layers", (1,), (0,), ">= 1"),
    ("latent_dim", (1,), (0,), ">= 1"),
    ("dropout", (0.0, 0.999), (-0.1, 1.0), "in [0, 1)"),
    ("n_classes", (1,), (0,), ">= 1"),
    ("min_err", (1e-9,), (0.0, -0.01), "> 0"),
]


@pytest.mark.parametrize(("name", "valid", "invalid", "rule"), CONFIG_BOUNDS, ids=[b[0] for b in CONFIG_BOUNDS])
def test_model_config_range_boundaries(name, valid, invalid, rule):
    for value in valid:
        assert getattr(ModelConfig(**{name: value}), name) == value
    for value in invalid:
        with pytest.raises(ConfigError) as refused:
            ModelConfig(**{name: value})
        assert str(refused.value) == f"model.{name} must be {rule}, got {value!r}"


def test_training_forward_draws_z_with_the_standard_deviation_exp_half_logvar(monkeypatch):
    """Reparameterisation: z = mu + exp(logvar / 2) * eps, eps the next standard normal draw."""
    model = CVAE(small("tcn")).train()
    b = batch()
    mu, logvar = torch.full((4, 4), 0.5), torch.full((4, 4), 2 * math.log(3.0))  # sigma = 3
    monkeypatch.setattr(model, "encode", lambda _: (mu, logvar))
    seen = []
    decode = model.decode
    monkeypatch.setattr(model, "decode", lambda z, cond, phase: seen.append(z) or decode(z, cond, phase))
    torch.manual_seed(5)
    model(b)
    torch.manual_seed(5)
    torch.testing.assert_close(seen[0], 0.5 + 3.0 * torch.randn(4, 4))
    model.eval()
    model(b)
    torch.testing.assert_close(seen[1], mu)  # evaluation decodes the mean


def test_loss_reduction_reaches_the_reconstruction_term():
    mag = torch.tensor([[0.0, 1.0, 0.5]])
    hat = torch.tensor([[0.1, 0.8, 0.9]])
    err = torch.tensor([[0.1, 0.2, 0.4]])  # chi2 of every point: 1
    mask = torch.ones(1, 3, dtype=torch.bool)
    zeros = torch.zeros(1, 2)
    terms = {
        r: pelsvae_loss(mag, err, mask, hat, err, zeros, zeros, beta=1.0, min_err=0.01, reduction=r)
        for r in ("mean", "sum")
    }
    assert float(terms["mean"].reconstruction) == pytest.approx(1.0) and float(
        terms["sum"].reconstruction
    ) == pytest.approx(1.5)
    assert float(terms["sum"].total) == pytest.approx(1.5, abs=1e-6)  # KL terms are zero here


def test_reconstruction_errors_apart_from_the_error_model():
    torch.manual_seed(0)
    mag, hat = torch.rand(3, 10), torch.rand(3, 10)
    err, err_hat = torch.full((3, 10), 0.05), torch.rand(3, 10) + 0.01
    mask = torch.ones(3, 10, dtype=torch.bool)
    mu, logvar = torch.zeros(3, 2), torch.zeros(3, 2)
    kw = {"beta": 1.0, "min_err": 1e-3, "reduction": "sum"}
    plain = pelsvae_loss(mag, err, mask, hat, err_hat, mu, logvar, **kw)
    doubled = pelsvae_loss(mag, err, mask, hat, err_hat, mu, logvar, rec_err=2 * err, **kw)
    assert float(doubled.reconstruction) == pytest.approx(float(plain.reconstruction) / 4, rel=1e-6)
    assert float(doubled.kl_errors) == float(plain.kl_errors)  # the error model keeps the published errors


def test_likelihood_error_scales_are_each_survey_bands_median_factor(tmp_path):
    from varsynth.data.tensors import load_split
    from varsynth.training.noise import likelihood_error_scales

    noise = {
        "gaia-dr3": {"G": {"scale_quantiles": np.linspace(4.0, 12.0, 41).tolist()}},
        "css": {"V": {"scale_quantiles": [0.7] * 41}},
    }
    assert likelihood_error_scales(noise) == {"gaia-dr3": {"G": 8.0}, "css": {"V": 0.7}}
    data = write_tiny_dataset(tmp_path / "data")
    plain = load_split(data, "train", physics=())
    assert torch.equal(plain.err_scale, torch.ones(len(plain)))
    import pyarrow.parquet as pq

    table = pq.read_table(data / "train.parquet", columns=["survey", "band"])
    survey, band = table["survey"][0].as_py(), table["band"][0].as_py()
    scaled = load_split(data, "train", physics=(), err_scale={survey: {band: 2.5}})
    same = [(s == survey and b == band) for s, b in zip(table["survey"].to_pylist(), table["band"].to_pylist())]
    assert torch.equal(scaled.err_scale, torch.tensor([2.5 if x else 1.0 for x in same]))
    assert scaled.batch(slice(0, 2))["err_scale"].shape == (2,)
    with pytest.raises(ConfigError, match="optim.likelihood_errors"):
        TrainConfig.from_dict({"optim": {"likelihood_errors": "honest"}})


def test_training_records_the_datasets_wavelength_convention(tmp_path):
    """A dataset of colour-dependent wavelengths (each star's temperature through its band) trains
    a network that says so in its config, and is later given wavelengths of that convention; a
    dataset of published wavelengths (or built before the convention was recorded) not."""
    data = write_tiny_dataset(tmp_path / "data")
    old = fit(_tiny_cfg("tcn"), data, tmp_path / "old", max_epochs=1, progress=False)
    (data / "data_card.json").write_text(json.dumps({"wavelengths": "colour"}))
    new = fit(_tiny_cfg("tcn"), data, tmp_path / "new", max_epochs=1, progress=False)
    assert not load_bundle(old.bundle_dir)[0].config.colour_wavelengths
    assert load_bundle(new.bundle_dir)[0].config.colour_wavelengths
