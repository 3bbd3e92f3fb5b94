"""Person states and their integer codes in the columnar store."""

from __future__ import annotations

from enum import IntEnum, IntFlag

import numpy as np


class State(IntEnum):
    """Labour-market state of a person (DESIGN 4.1). Stored as ``int8``."""

    UNEMPLOYED = 0  # registered jobseeker
    INACTIVE = 1  # outside the labour force, may return
    TRAINING = 2  # in a training programme
    SIAE = 3  # on an insertion contract (CDDI) in a SIAE
    EMPLOYED_TEMP = 4  # CDD under 6 months or temp work
    EMPLOYED_DURABLE = 5  # CDI or CDD of 6 months or more
    SELF_EMPLOYED = 6  # own activity (CAE, business creation)


N_STATES = len(State)
EMPLOYED_STATES = (State.SIAE, State.EMPLOYED_TEMP, State.EMPLOYED_DURABLE, State.SELF_EMPLOYED)
ACTIVE_STATES = (State.UNEMPLOYED, *EMPLOYED_STATES)

#: state code -> quarterly transition class (0 temp job, 1 durable job, 2 unemployed,
#: 3 inactive). SIAE contracts count as temporary (subsidised) jobs; training counts with the
#: unemployed, as registered jobseekers in training do in France Travail's categories.
TRANSITION_CLASS = np.array([2, 3, 2, 0, 0, 1, 1], dtype=np.int8)

IS_EMPLOYED = np.zeros(N_STATES, dtype=bool)
IS_EMPLOYED[list(EMPLOYED_STATES)] = True
IS_ACTIVE = np.zeros(N_STATES, dtype=bool)
IS_ACTIVE[list(ACTIVE_STATES)] = True


class ExitOutcome(IntEnum):
    """Official classification of a SIAE exit (sorties dynamiques)."""

    DURABLE = 0  # emploi durable: CDI, CDD or temp of 6 months or more, business creation
    TRANSITION = 1  # emploi de transition: CDD or temp under 6 months, subsidised contract
    POSITIVE = 2  # sortie positive: qualifying training, move to another SIAE
    OTHER = 3  # unemployment, inactivity, other


SIAE_TYPE_CODES: dict[str, int] = {"ACI": 0, "EI": 1, "ETTI": 2, "AI": 3}


class S:
    """The state codes as plain ints, for array comparisons in the monthly phases (numpy
    compares an int8 array with a plain int about ten times faster than with an IntEnum)."""

    UNEMPLOYED = int(State.UNEMPLOYED)
    INACTIVE = int(State.INACTIVE)
    TRAINING = int(State.TRAINING)
    SIAE = int(State.SIAE)
    EMPLOYED_TEMP = int(State.EMPLOYED_TEMP)
    EMPLOYED_DURABLE = int(State.EMPLOYED_DURABLE)
    SELF_EMPLOYED = int(State.SELF_EMPLOYED)


class Barrier(IntFlag):
    """Barriers to employment ("freins périphériques"), one bit each in ``barrier_bits``
    (uint8). The kinds follow France Travail's diagnostic of jobseekers' social barriers
    (``calibration/data/BEHAVIOUR_SOURCES.md``)."""

    HEALTH = 1  # health problem or recognised disability
    MOBILITY = 2  # no driving licence or vehicle, no transport
    HOUSING = 4  # no stable housing
    FAMILY = 8  # childcare or care of a relative
    BASIC_SKILLS = 16  # language, literacy or numeracy


#: the barrier kinds in bit order, for tables and loops over kinds
BARRIER_KINDS: tuple[Barrier, ...] = tuple(Barrier)


class Benefit(IntEnum):
    """Income support a person receives (``benefit``, int8)."""

    NONE = 0
    ARE = 1  # unemployment insurance (allocation d'aide au retour à l'emploi)
    ASS = 2  # State solidarity allowance after insurance rights end
    RSA = 3  # revenu de solidarité active (minimum income)


class Contract(IntEnum):
    """Employment contract of a firm employee (``contract``, int8). ``EMPLOYED_DURABLE``
    holds CDI and CDD_LONG, ``EMPLOYED_TEMP`` holds CDD_SHORT and INTERIM (DESIGN 4.1)."""

    NONE = 0  # no contract with an ordinary firm
    CDI = 1  # contrat à durée indéterminée
    CDD_LONG = 2  # CDD of 6 months or more
    CDD_SHORT = 3  # CDD under 6 months
    INTERIM = 4  # temp work (intérim): a month of missions


class K:
    """The contract codes as plain ints, for array comparisons (as :class:`S`)."""

    NONE = int(Contract.NONE)
    CDI = int(Contract.CDI)
    CDD_LONG = int(Contract.CDD_LONG)
    CDD_SHORT = int(Contract.CDD_SHORT)
    INTERIM = int(Contract.INTERIM)


#: contract code -> the employment state it belongs to (-1 for NONE)
CONTRACT_STATE = np.array([-1, S.EMPLOYED_DURABLE, S.EMPLOYED_DURABLE, S.EMPLOYED_TEMP,
                           S.EMPLOYED_TEMP], dtype=np.int8)
