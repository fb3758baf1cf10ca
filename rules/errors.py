"""Error tree of the rules package.

Bad *input data* (an unknown card prefix, a negative quantity, a code missing from the catalogue) never
raises:
it becomes a :class:`rules.model.Finding` on the priced claim. Exceptions are kept for problems that make
pricing impossible as a whole: missing or inconsistent parameter data, or a tariff that breaks its own rules.

    RulesError
    ├── ParameterError            no dated parameter row covers the date asked for / bad data file
    │   └── ParameterOverlapError two rows of one parameter overlap in time
    ├── TariffError               tariff rows are inconsistent
    │   └── TariffOverlapError    two rows of one code overlap in time (rows are never edited in place)
    └── EncounterShapeError       a mapping does not have the documented encounter input shape
"""

from __future__ import annotations


class RulesError(Exception):
    """Base class of every exception raised by :mod:`rules`."""


class ParameterError(RulesError):
    """No dated parameter row covers the requested date, or a data file is malformed."""


class ParameterOverlapError(ParameterError):
    """Two rows of the same parameter key overlap in time."""


class TariffError(RulesError):
    """A tariff row or a set of tariff rows is inconsistent."""


class TariffOverlapError(TariffError):
    """Two rows of the same code (and facility class) overlap in time."""


class EncounterShapeError(RulesError):
    """A mapping handed to :func:`rules.shape.encounter_from_dict` lacks a field or has a wrong type.

    ``field`` names the offending field path (e.g. ``lines[2].quantity``).
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
