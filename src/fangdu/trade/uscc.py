"""统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character.

Alphabet: digits and upper-case letters without I, O, Z, S, V (31 characters). Weights for
positions 1-17 are 3^(i-1) mod 31; check = 31 - (sum mod 31), with 31 written as 0.
"""

from __future__ import annotations

__all__ = ["check_character", "is_valid"]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def check_character(first17: str) -> str:
    """The check character for the first 17 characters (ValueError on a foreign character)."""
    if len(first17) != 17:
        raise ValueError("need 17 characters")
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    code = code.strip().upper()
    if len(code) != 18 or any(ch not in ALPHABET for ch in code):
        return False
    return check_character(code[:17]) == code[17]
