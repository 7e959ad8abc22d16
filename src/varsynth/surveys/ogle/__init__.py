"""Readers for OGLE: per-star photometry, ident.dat, parameter tables and the OGLE-III catalog.

OGLE publishes each collection of variable stars (e.g. the classical Cepheids of the LMC,
Soszynski et al. 2008, 2015) as one folder: ``phot/<band>/<ID>.dat`` light curves
(``HJD-2450000  mag  err``), a fixed-width ``ident.dat`` (ID, type or pulsation mode(s), J2000
coordinates, cross-identifications), per-type parameter tables (``cepF.dat``, ``RRab.dat``,
``ecl.dat``, ...: mean magnitudes, period, its uncertainty, epoch, amplitude, Fourier
parameters) and a ``README`` giving the byte layout of every table.

Two ``ident.dat`` layouts exist and both are read (detected line by line):

* OGLE-III Catalog of Variable Stars (OIII-CVS, 2008-2013): ``ID field starID type RA Dec
  cross-IDs``, the OGLE-III field such as ``LMC100.1`` or ``BLG101.2`` in the second column and
  the database number in the third; long-period variables add a spectral type (``O``/``C``)
  after the type.
* OGLE Collection of Variable Stars (OCVS, OGLE-IV era, e.g. ``../shared/data/ogle3-lmc-cep``):
  ``ID mode RA Dec OGLE-IV-ID OGLE-III-ID OGLE-II-ID other``.

Periods come from the OGLE-III Catalog of Variable Stars (one tab-separated table of 399,679
stars, also the reference distribution of light-curve shapes) and, for stars it does not list
(it has no eclipsing binaries at all), from the collection's own parameter tables.

:func:`read_ogle` joins them on the OGLE star ID (the photometry file stem, the first column of
ident.dat and of the tables, and the catalog ``ID`` column are the same string, e.g.
``OGLE-LMC-CEP-0001``) and returns one :class:`~varsynth.lightcurve.LightCurve` per (star,
band). Every star, file, line or point it leaves out is counted in the
:class:`~varsynth.surveys.skips.SkipLog`.

The readers live in one module each: :mod:`~varsynth.surveys.ogle.photometry` (per-star files),
:mod:`~varsynth.surveys.ogle.ident` (``ident.dat``), :mod:`~varsynth.surveys.ogle.tables`
(parameter tables and their README), :mod:`~varsynth.surveys.ogle.catalog` (the OGLE-III
catalog), :mod:`~varsynth.surveys.ogle.collection` (:func:`read_ogle`) and
:mod:`~varsynth.surveys.ogle.download` (``varsynth data download``); their public names are
re-exported here.
"""

from varsynth.surveys.ogle.catalog import CATALOG_MISSING, read_ogle3_catalog
from varsynth.surveys.ogle.collection import FOURIER_KEYS, read_ogle
from varsynth.surveys.ogle.ident import read_ogle_ident
from varsynth.surveys.ogle.layout import SURVEY
from varsynth.surveys.ogle.photometry import read_ogle_photometry
from varsynth.surveys.ogle.tables import (
    TableColumn,
    read_ogle_param_table,
    read_ogle_param_tables,
    read_ogle_readme_formats,
)

__all__ = [
    "SURVEY",
    "CATALOG_MISSING",
    "FOURIER_KEYS",
    "TableColumn",
    "read_ogle_photometry",
    "read_ogle_ident",
    "read_ogle_readme_formats",
    "read_ogle_param_table",
    "read_ogle_param_tables",
    "read_ogle3_catalog",
    "read_ogle",
]
