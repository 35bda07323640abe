"""Can people read a ticket code aloud and type it, and does a typing mistake show?

The rules of `app.enrolment.tickets`, without a database: codes drawn at random by
Hypothesis, and for each one every single-symbol change and every swap of two
neighbours typed at the door.
"""

import re

from hypothesis import given
from hypothesis import strategies as st

from app.enrolment import tickets
from app.enrolment.models import Enrolment
from app.enrolment.tickets import ALPHABET, CHECK_SYMBOLS, TicketText, read_ticket

MISTYPED = TicketText(mistyped=True)

#: Twelve data symbols whose check symbol is a letter or a digit: a code as issued.
issued_codes = (
    st.text(alphabet=ALPHABET, min_size=12, max_size=12)
    .map(lambda data: data + tickets.check_symbol(data))
    .filter(lambda code: code[-1] in ALPHABET)
)


def test_are_new_codes_thirteen_letters_and_digits_without_look_alikes():
    codes = {tickets.new_ticket_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{13}", code)
        assert read_ticket(code) == TicketText(code=code)
    # Every letter and digit turns up as a check symbol, and nothing else.
    assert {code[-1] for code in codes} == set(ALPHABET)


def test_is_a_code_shown_in_groups_of_four_then_its_check_symbol():
    assert tickets.code_groups("7K3M9QXD2HB17") == "7K3M-9QXD-2HB1-7"


@given(issued_codes)
def test_does_the_check_symbol_catch_every_single_symbol_typed_wrong(code):
    for position, typed in enumerate(code):
        symbols = ALPHABET if position < len(code) - 1 else CHECK_SYMBOLS
        for other in symbols:
            if other != typed:
                assert read_ticket(code[:position] + other + code[position + 1 :]) == MISTYPED


@given(issued_codes)
def test_does_the_check_symbol_catch_every_swap_of_two_neighbours(code):
    for position in range(len(code) - 1):
        first, second = code[position], code[position + 1]
        if first != second:
            swapped = code[:position] + second + first + code[position + 2 :]
            assert read_ticket(swapped) == MISTYPED


@given(issued_codes, st.integers(min_value=0, max_value=12))
def test_is_a_symbol_left_out_or_typed_twice_a_typing_mistake(code, position):
    assert read_ticket(code[:position] + code[position + 1 :]) == MISTYPED
    assert read_ticket(code[:position] + code[position] + code[position:]) == MISTYPED


@given(issued_codes)
def test_are_case_spaces_hyphens_and_look_alike_letters_forgiven(code):
    printed = tickets.code_groups(code)
    as_typed = printed.lower().replace("0", "o").replace("1", "i").replace("-", " - ")
    assert read_ticket(f"  Convene:{as_typed} ") == TicketText(code=code)
    assert read_ticket(printed.replace("1", "L")) == TicketText(code=code)


def test_is_a_token_of_a_ticket_issued_before_codes_read_as_a_token():
    token = "Jq3-kV9_xT2mWp8sLd4nRb7c"
    assert read_ticket(f"CONVENE:{token}") == TicketText(token=token)
    assert read_ticket(" ".join(token[i : i + 4] for i in range(0, 24, 4))) == TicketText(
        token=token
    )


def test_does_a_device_match_a_place_by_its_code_and_its_old_token():
    place = Enrolment(ticket_code="7K3M9QXD2HB17", ticket_token="Jq3-kV9_xT2mWp8sLd4nRb7c")
    assert tickets.codes_for(place) == ("7K3M9QXD2HB17", "Jq3-kV9_xT2mWp8sLd4nRb7c")
