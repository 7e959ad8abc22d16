"""Evaluation of trained models against held-out real light curves, and their model cards."""
