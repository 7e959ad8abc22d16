"""Training: configuration, the Lightning module, fitting, noise model and hyper-parameter sweeps."""
