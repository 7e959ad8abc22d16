"""The paper's eight variability classes and each survey's labels mapped onto them.

PELS-VAE (Martinez-Palomera et al. 2022) models eight classes. Every survey names its classes
differently; the tables here are the single place where a survey label becomes a
``(class, subtype)`` pair, so readers never invent their own spelling.
"""

from __future__ import annotations

__all__ = [
    "CLASSES",
    "UnknownClassError",
    "ogle_class",
    "eros_class",
    "sdss_class",
    "crts_class",
    "gaia_dr3_class",
    "CSS_TYPE_LABELS",
    "css_class",
    "asas_class",
]

#: The paper's eight classes, in the order used for one-hot encoding.
CLASSES: tuple[str, ...] = ("ACEP", "CEP", "DSCT", "ECL", "ELL", "LPV", "RRLYR", "T2CEP")


class UnknownClassError(ValueError):
    """A survey label that maps onto none of the eight classes."""


_OGLE_TYPES = {
    "ACEP": "ACEP",
    "CEP": "CEP",
    "DSCT": "DSCT",
    "ECL": "ECL",
    "ELL": "ELL",
    "LPV": "LPV",
    "RRLYR": "RRLYR",
    "T2CEP": "T2CEP",
}

# OGLE catalog subtypes of pulsators written as mode digits ("1", "12", "F1", ...).
_OGLE_MODES = {"F": "F", "1": "1O", "2": "2O", "3": "3O"}


def _ogle_subtype(subtype: str) -> str:
    """Normalise an OGLE subtype: mode digits become ``F``, ``1O``, ``1O/2O``; others stay."""
    sub = subtype.strip()
    if sub in {"", "-99.99", "-"}:
        return ""
    if "/" in sub or sub in {"RRab", "RRc", "RRd", "RRe"}:
        return sub
    if all(ch in _OGLE_MODES for ch in sub):
        return "/".join(_OGLE_MODES[ch] for ch in sub)
    return sub


def ogle_class(vtype: str, subtype: str = "") -> tuple[str, str]:
    """Map an OGLE-III catalog ``Type``/``Subtype`` (or ident.dat mode) onto the eight classes.

    Arguments:
        vtype: OGLE type, e.g. ``Cep``, ``aCep``, ``T2Cep``, ``RRLyr``, ``DSCT``, ``LPV``,
            ``ECL``, ``ELL`` (case-insensitive).
        subtype: OGLE subtype or pulsation mode(s), e.g. ``F``, ``1``, ``12``, ``1O/2O``,
            ``RRab``, ``Mira``, ``SRV``, ``BLHer``.

    Returns:
        ``(class, subtype)`` with modes spelled ``F``, ``1O``, ``1O/2O``.

    Raises:
        UnknownClassError: for types outside the eight classes (DPV, RCB, ...).

    >>> from varsynth.taxonomy import ogle_class
    >>> ogle_class("Cep", "12"), ogle_class("RRLyr", "RRab"), ogle_class("T2Cep", "BLHer")
    (('CEP', '1O/2O'), ('RRLYR', 'RRab'), ('T2CEP', 'BLHer'))
    >>> ogle_class("DPV")
    Traceback (most recent call last):
    ...
    varsynth.taxonomy.UnknownClassError: OGLE type 'DPV' is not one of the eight classes
    """
    key = vtype.strip().upper()
    if key not in _OGLE_TYPES:
        raise UnknownClassError(f"OGLE type {vtype!r} is not one of the eight classes")
    return _OGLE_TYPES[key], _ogle_subtype(subtype)


_EROS_TYPES = {1: ("ECL", ""), 2: ("CEP", ""), 3: ("RRLYR", ""), 4: ("LPV", "Mira")}


def eros_class(code: int) -> tuple[str, str]:
    """Map an EROS-1 ``type`` code (1 ECL, 2 Cepheid, 3 RR Lyrae, 4 Mira) onto the classes."""
    if code not in _EROS_TYPES:
        raise UnknownClassError(f"EROS-1 type code {code!r} is not one of 1, 2, 3, 4")
    return _EROS_TYPES[code]


def sdss_class(code: str) -> tuple[str, str]:
    """Map a Sesar et al. (2010) RR Lyrae type (``ab`` or ``c``) onto ``RRLYR``."""
    code = code.strip()
    if code not in {"ab", "c"}:
        raise UnknownClassError(f"SDSS Stripe 82 RR Lyrae type {code!r} is not 'ab' or 'c'")
    return "RRLYR", f"RR{code}"


# Drake et al. (2014) CRTS periodic-variable classes.
_CRTS = {
    "RRab": ("RRLYR", "RRab"),
    "RRc": ("RRLYR", "RRc"),
    "RRd": ("RRLYR", "RRd"),
    "Blazhko": ("RRLYR", "Blazhko"),
    "EA": ("ECL", "EA"),
    "EW": ("ECL", "EW"),
    "beta_lyrae": ("ECL", "EB"),
    "RS_CVn": ("ECL", "RS_CVn"),
    "PCEB": ("ECL", "PCEB"),
    "ELL": ("ELL", ""),
    "HADS": ("DSCT", "HADS"),
    "LADS": ("DSCT", "LADS"),
    "ACEP": ("ACEP", ""),
    "Cep_II": ("T2CEP", ""),
    "LPV": ("LPV", ""),
    "Hump": ("RRLYR", "Hump"),
}


def crts_class(label: str) -> tuple[str, str]:
    """Map a CRTS (Drake et al. 2014) label such as ``RRab``, ``EW``, ``Cep_II`` onto the classes.

    ``RS_CVn`` (spotted binaries, most of them eclipsing in CRTS) and ``PCEB`` (post-common-
    envelope binaries) go to ECL with their own subtype so that they can be dropped by config.
    ``Hump`` stars (Drake et al.: RR Lyrae-like light curves with a hump) go to RRLYR.

    >>> from varsynth.taxonomy import crts_class
    >>> crts_class("RRab"), crts_class("Cep_II"), crts_class("RS_CVn")
    (('RRLYR', 'RRab'), ('T2CEP', ''), ('ECL', 'RS_CVn'))
    """
    if label not in _CRTS:
        raise UnknownClassError(f"CRTS label {label!r} is not one of {sorted(_CRTS)}")
    return _CRTS[label]


_GAIA_DR3 = {
    "RR": ("RRLYR", ""),
    # Gaia DR3 does not split CEP into DCEP / T2CEP / ACEP: the subtype says so.
    "CEP": ("CEP", "unsplit"),
    "ECL": ("ECL", ""),
    "LPV": ("LPV", ""),
    "DSCT|GDOR|SXPHE": ("DSCT", "DSCT|GDOR|SXPHE"),
    "DSCT_GDOR_SXPHE": ("DSCT", "DSCT|GDOR|SXPHE"),
}


def gaia_dr3_class(label: str) -> tuple[str, str]:
    """Map a Gaia DR3 ``best_class_name`` (RR, CEP, ECL, LPV, DSCT|GDOR|SXPHE) onto the classes.

    >>> from varsynth.taxonomy import gaia_dr3_class
    >>> gaia_dr3_class("RR"), gaia_dr3_class("DSCT|GDOR|SXPHE")
    (('RRLYR', ''), ('DSCT', 'DSCT|GDOR|SXPHE'))
    """
    if label not in _GAIA_DR3:
        raise UnknownClassError(f"Gaia DR3 class {label!r} is not one of {sorted(_GAIA_DR3)}")
    return _GAIA_DR3[label]


#: Type codes of the Catalina Sky Survey Siding Spring periodic-variable catalog (Drake et al.
#: 2017, MNRAS 469, 3688) that have light curves, with Drake et al.'s names. Codes 7
#: (rotational), 11 and 13 (other types) are outside the eight classes.
CSS_TYPE_LABELS: dict[int, str] = {
    1: "RRab",
    2: "RRc",
    3: "RRd",
    4: "Blazhko",
    5: "EW",
    6: "EA",
    8: "LPV",
    9: "HADS",
    10: "ACEP",
    12: "Cep-II",
}

_CSS = {
    "RRab": ("RRLYR", "RRab"),
    "RRc": ("RRLYR", "RRc"),
    "RRd": ("RRLYR", "RRd"),
    "Blazhko": ("RRLYR", "Blazhko"),
    "EW": ("ECL", "EW"),
    "EA": ("ECL", "EA"),
    "LPV": ("LPV", ""),
    "HADS": ("DSCT", "HADS"),
    "ACEP": ("ACEP", ""),
    "Cep-II": ("T2CEP", ""),
}


def css_class(code: int) -> tuple[str, str]:
    """Map a Catalina SSS type code (Drake et al. 2017) onto the classes.

    Codes 1-4 are RR Lyrae (RRab, RRc, RRd, Blazhko), 5 and 6 eclipsing binaries (EW contact,
    EA detached or semi-detached), 8 long-period variables, 9 high-amplitude delta Scuti,
    10 anomalous Cepheids and 12 type II Cepheids (Cep-II).

    Raises:
        UnknownClassError: for codes 7, 11, 13 and any other code.
    """
    if code not in CSS_TYPE_LABELS:
        raise UnknownClassError(f"Catalina SSS type code {code!r} is not one of {sorted(CSS_TYPE_LABELS)}")
    return _CSS[CSS_TYPE_LABELS[code]]


# ASAS Catalog of Variable Stars labels of the Richards et al. (2012) training set. ACVS calls
# the eclipsing binaries EC (contact), ED (detached) and ESD (semi-detached): contact and
# detached take the CRTS spelling (EW, EA); semi-detached keeps ACVS's ESD.
_ASAS = {
    "Delta Scuti": ("DSCT", ""),
    "RR Lyrae, First Overtone": ("RRLYR", "RRc"),
    "RR Lyrae, Fundamental Mode": ("RRLYR", "RRab"),
    "Mira": ("LPV", "Mira"),
    "Contact Systems": ("ECL", "EW"),
    "Detached": ("ECL", "EA"),
    "Semidetached": ("ECL", "ESD"),
}


def asas_class(label: str) -> tuple[str, str]:
    """Map an ACVS class label (``Mira``, ``Contact Systems``, ...) onto the classes."""
    if label not in _ASAS:
        raise UnknownClassError(f"ASAS label {label!r} is not one of {sorted(_ASAS)}")
    return _ASAS[label]
