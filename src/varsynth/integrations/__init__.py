"""varsynth inside other simulation frameworks, each an optional extra.

* :mod:`varsynth.integrations.lynx`: a LightCurveLynx model of periodic variables whose band
  fluxes come from varsynth (``pip install 'varsynth[lynx]'``).
"""
