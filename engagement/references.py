"""Response references: hard to guess, easy to read out over the phone (K7QX-3MPA).

Eight characters from an alphabet without the look-alikes 0/O, 1/I/L: 31**8 (about 8.5 * 10**11) values, drawn
with `secrets`, so knowing one reference tells nothing about another.
"""

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8
PATTERN = re.compile(rf"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")


def new_reference() -> str:
    """A fresh random reference like 'K7QX-3MPA' (uniqueness is checked by the caller against the database)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise(text: str) -> str | None:
    """Read a reference as typed or spoken ('k7qx 3mpa', 'K7QX3MPA') back to 'K7QX-3MPA'; None if it cannot be one
    (any character outside the alphabet, including the look-alikes 0, O, 1, I and L, which are never issued)."""
    compact = re.sub(r"[\s-]", "", text or "").upper()
    if len(compact) != LENGTH or any(c not in ALPHABET for c in compact):
        return None
    return f"{compact[:4]}-{compact[4:]}"


def is_reference(text: str) -> bool:
    return bool(PATTERN.match(text or ""))
