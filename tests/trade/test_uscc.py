from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from fangdu.trade.sample import uscc
from fangdu.trade.uscc import ALPHABET, check_character, is_valid


def test_a_published_code_is_valid_and_a_changed_check_character_is_not() -> None:
    assert is_valid("91440300708461136T")  # a company's code as printed on its licence
    assert not is_valid("91440300708461136U")
    assert not is_valid("91440300708461136")  # 17 characters
    assert not is_valid("9144030070846113OT")  # O is not in the alphabet


@given(st.integers(0, 2**32), st.integers(0, 16), st.sampled_from(ALPHABET))
def test_any_single_substitution_is_caught(seed: int, pos: int, ch: str) -> None:
    code = uscc(random.Random(seed))
    assert is_valid(code)
    changed = code[:pos] + ch + code[pos + 1 :]
    assert is_valid(changed) == (changed == code)


def test_check_character_is_in_the_alphabet() -> None:
    assert check_character("9133062100000000A") in ALPHABET
