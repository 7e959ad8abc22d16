"""Evaluation of trained models against held-out real light curves and known physics.

Today: reconstruction of held-out stars next to a Fourier baseline (:mod:`.reconstruction`),
Fourier decomposition in the OGLE convention (:mod:`.fourier`), two-sample distances with their
noise floor (:mod:`.distances`), model comparison (:mod:`.compare`) and model cards (:mod:`.card`).
"""
