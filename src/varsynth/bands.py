"""Passbands of the surveys varsynth reads or simulates (cadences), with effective wavelengths.

One table for every band fact, so that models can condition on wavelength (nm) and readers
agree on band names. Effective wavelengths are the usual published values (nanometres).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Band", "BANDS", "band"]


@dataclass(frozen=True)
class Band:
    """A photometric passband.

    Attributes:
        survey: survey whose photometric system this is.
        name: band name as readers write it in :attr:`LightCurve.band`.
        wave_eff: effective wavelength in nm.
        reference: where the wavelength comes from.
    """

    survey: str
    name: str
    wave_eff: float
    reference: str


BANDS: dict[tuple[str, str], Band] = {
    (b.survey, b.name): b
    for b in [
        Band("ogle3", "V", 551.0, "Johnson V (Bessell 1990)"),
        Band("ogle3", "I", 806.0, "Cousins I (Bessell 1990)"),
        Band("eros1", "B", 555.0, "EROS blue channel 420-720 nm (Tisserand et al. 2007)"),
        Band("eros1", "R", 760.0, "EROS red channel 620-920 nm (Tisserand et al. 2007)"),
        Band("sdss-s82", "u", 355.1, "SDSS (Fukugita et al. 1996)"),
        Band("sdss-s82", "g", 468.6, "SDSS (Fukugita et al. 1996)"),
        Band("sdss-s82", "r", 616.5, "SDSS (Fukugita et al. 1996)"),
        Band("sdss-s82", "i", 748.1, "SDSS (Fukugita et al. 1996)"),
        Band("sdss-s82", "z", 893.1, "SDSS (Fukugita et al. 1996)"),
        Band("crts", "V", 551.0, "CSS unfiltered, calibrated to V (Drake et al. 2013)"),
        Band("gaia-dr3", "G", 639.7, "Gaia G (Jordi et al. 2010)"),
        Band("css", "V", 551.0, "Catalina SSS unfiltered, calibrated to V (Drake et al. 2013, 2017)"),
        Band("asas", "V", 551.0, "Johnson V (Pojmanski 2002)"),
        Band("lsst", "u", 367.0, "LSST filter throughputs (Ivezic et al. 2019)"),
        Band("lsst", "g", 482.7, "LSST filter throughputs (Ivezic et al. 2019)"),
        Band("lsst", "r", 622.3, "LSST filter throughputs (Ivezic et al. 2019)"),
        Band("lsst", "i", 754.6, "LSST filter throughputs (Ivezic et al. 2019)"),
        Band("lsst", "z", 869.1, "LSST filter throughputs (Ivezic et al. 2019)"),
        Band("lsst", "y", 971.2, "LSST filter throughputs (Ivezic et al. 2019)"),
        Band("ztf", "g", 472.3, "ZTF g (Bellm et al. 2019)"),
        Band("ztf", "r", 633.3, "ZTF r (Bellm et al. 2019)"),
        Band("ztf", "i", 789.0, "ZTF i (Bellm et al. 2019)"),
    ]
}


def band(survey: str, name: str) -> Band:
    """Look up a band; raises ``KeyError`` naming the valid bands of the survey.

    >>> from varsynth.bands import band
    >>> band("lsst", "g").wave_eff  # effective wavelength, nm
    482.7
    >>> band("ogle3", "I")
    Band(survey='ogle3', name='I', wave_eff=806.0, reference='Cousins I (Bessell 1990)')
    >>> band("ztf", "y")
    Traceback (most recent call last):
    ...
    KeyError: "band 'y' of survey 'ztf' is unknown; valid: ['g', 'i', 'r']"
    """
    try:
        return BANDS[(survey, name)]
    except KeyError:
        valid = sorted(n for (s, n) in BANDS if s == survey)
        raise KeyError(f"band {name!r} of survey {survey!r} is unknown; valid: {valid}") from None
