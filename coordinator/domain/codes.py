"""Short public codes for actions, typed back by cadres in SMS replies (``SELESAI A7K2``)."""
from __future__ import annotations

import random
import secrets

from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import Action

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: codes are read off cheap phone screens and typed by thumb.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 4
_RANDOM = random.SystemRandom()


def random_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_public_codes(count: int) -> list[str]:
    """``count`` distinct codes not used by any open action.

    Codes lengthen by one character when the 4-character space gets crowded, so this
    never loops for long even with hundreds of thousands of open actions.
    """
    taken = set(
        db.session.scalars(select(Action.public_code).where(Action.status == "open")).all()
    ) if count > 0 else set()
    length = CODE_LENGTH
    while len(ALPHABET) ** length < 4 * (len(taken) + count):
        length += 1
    codes: set[str] = set()
    while len(codes) < count:
        # One call to the system's generator per batch, not one per character.
        missing = count - len(codes)
        drawn = "".join(_RANDOM.choices(ALPHABET, k=missing * length))
        codes.update(c for c in (drawn[i:i + length] for i in range(0, len(drawn), length))
                     if c not in taken)
    return list(codes)[:count]
