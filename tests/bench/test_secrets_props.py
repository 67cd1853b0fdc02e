"""Redaction pinned exactly: the length thresholds, the URL-encoded forms, partial runs at
their edges, `extra` values, merged masks, bearer tokens, JWTs and the key-name rule."""

from __future__ import annotations

import uuid
from urllib.parse import quote, quote_plus

import pytest

from vidbench.core.seam import secrets
from vidbench.core.seam.secrets import (
    MASK,
    Secret,
    may_hold_key,
    redact,
    register,
    registered_count,
)

# Test-only values (never real keys), each unique to this file.
LONG = "propkey-a1b2c3d4e5f6g7h8i9"  # 26 chars: masked whole and in part
ODD = "prop/odd+key=1&x" + "q" * 12  # needs URL-encoding
SHORT = "pk-ab7"  # exactly MIN_SECRET_CHARS: masked whole only
register(LONG)
register(ODD)
register(SHORT)


def test_thresholds() -> None:
    assert (MASK, secrets.PARTIAL_RUN_CHARS) == ("***", 10)
    assert (secrets.PARTIAL_MIN_KEY_CHARS, secrets.MIN_SECRET_CHARS) == (16, 6)
    assert secrets.KEY_NAME_PATTERNS == ("*_API_KEY", "*_ACCESS_KEY", "*_SECRET_KEY")


def test_register_counts_each_distinct_form_once() -> None:
    fresh = uuid.uuid4().hex  # a test process may run this test more than once (mutmut does)
    before = registered_count()
    register(f"propcount-{fresh}")  # all three forms equal
    assert registered_count() == before + 1
    register(f"propcount-{fresh}")
    assert registered_count() == before + 1
    register(f"{fresh} two+words/xx")  # quote and quote_plus differ from it and each other
    assert registered_count() == before + 4
    register("p5-ab")  # five characters: not a key
    assert registered_count() == before + 4


def test_whole_and_encoded_forms_are_masked_exactly() -> None:
    assert redact(f"a {LONG} b") == "a *** b"
    assert redact(f"[{quote(ODD, safe='')}]") == "[***]"
    assert redact(f"[{quote_plus(ODD)}]") == "[***]"
    assert redact(f"{LONG}{LONG}") == "***"  # adjacent masks merge


def test_a_short_registered_value_is_masked_only_whole_every_time() -> None:
    assert redact(f"{SHORT} and {SHORT}!") == "*** and ***!"
    assert redact(SHORT[:-1]) == SHORT[:-1]
    assert redact(f"x{SHORT}{SHORT}y") == "x***y"


def test_a_five_character_value_is_never_registered() -> None:
    register("zq5xw")
    assert redact("zq5xw") == "zq5xw"


@pytest.mark.parametrize("start", [0, 1, 7, len(LONG) - 10])
def test_every_ten_character_run_of_a_long_key_is_masked(start: int) -> None:
    part = LONG[start : start + 10]
    assert redact(f"<{part}>") == "<***>"
    assert redact(f"<{part[:9]}>") == f"<{part[:9]}>"  # nine characters are not enough


def test_a_run_inside_text_masks_just_that_run() -> None:
    part = LONG[3:16]  # 13 characters: runs at 0..3 cover all of it
    assert redact(f"ab {part} cd") == "ab *** cd"


def test_a_fifteen_character_value_is_masked_only_whole() -> None:
    value = "prop15-abcdefgh"
    assert len(value) == 15
    register(value)
    assert redact(value) == MASK
    assert redact(value[:12]) == value[:12]


def test_sixteen_characters_are_enough_for_partial_runs() -> None:
    value = "prop16-abcdefghi"
    assert len(value) == 16
    register(value)
    assert redact(f"-{value[6:]}-") == "-***-"


def test_extra_values_whole_and_in_part() -> None:
    extra = ("xtra-0123456789abcdef",)  # 21 characters, not registered
    assert redact("k=xtra-0123456789abcdef", extra=extra) == "k=***"
    assert redact("k=0123456789ab;", extra=extra) == "k=***;"
    assert redact("k=0123456789ab;") == "k=0123456789ab;"
    assert redact("xtra-012345678", extra=["xtra-012345678"]) == MASK  # 14: whole only
    assert redact("xtra-01234567", extra=["xtra-012345678"]) == "xtra-01234567"
    assert redact("say xtra5 twice", extra=["xtra5"]) == "say xtra5 twice"  # too short
    assert redact("p6-xyz", extra=["p6-xyz"]) == MASK  # six characters suffice


def test_empty_text_is_returned_as_is() -> None:
    assert redact("") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abcdef", "Authorization: Bearer ***"),
        ("bearer  tok.en~+/=-9 end", "bearer *** end"),
        ("Bearer abcde", "Bearer abcde"),  # five characters: no token
        ("x eyJabcd.efgh.i y", "x *** y"),
        ("eyJabc.efgh.i", "eyJabc.efgh.i"),  # header too short to be a JWT
    ],
)
def test_bearer_tokens_and_jwts(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_text_with_nothing_to_mask_is_the_same_object() -> None:
    text = "nothing secret here at all"
    assert redact(text) is text


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("ARK_API_KEY", True),
        ("AWS_ACCESS_KEY", False),
        ("AWS_SECRET_ACCESS_KEY", False),
        ("X_SECRET_KEY", True),
        ("ark_api_key", False),
        ("API_KEY", False),
        ("HOME", False),
        ("AWS_SESSION_TOKEN", False),
        ("ARK_API_KEY_FILE", False),
    ],
)
def test_key_names(name: str, ok: bool) -> None:
    assert may_hold_key(name) is ok
    assert may_hold_key(name, ("OTHER",)) is ok
    assert may_hold_key(name, [name]) is True


def test_secret_hides_its_value_and_registers_it() -> None:
    secret = Secret("propsecret-9z8y7x6w5v", "PROP_API_KEY")
    assert secret.reveal() == "propsecret-9z8y7x6w5v"
    assert secret.env_var == "PROP_API_KEY"
    assert repr(secret) == str(secret) == "Secret(env=PROP_API_KEY, value=***)"
    assert redact("propsecret-9z8y7x6w5v") == MASK


# Registrations inside a test body, with values new to the process: mutmut imports the test
# modules before it switches a mutant on, so only these exercise a mutated `register`.


def fresh_hex(length: int) -> str:
    """Characters no other test registered."""
    return uuid.uuid4().hex[:length]


def test_a_six_character_value_registered_now_is_masked() -> None:
    value = "z" + fresh_hex(5)
    register(value)
    assert redact(f"[{value}]") == "[***]"


def test_the_percent_encoded_form_escapes_slashes_too() -> None:
    value = f"{fresh_hex(4)} a/b"  # 8 characters: masked whole only
    register(value)
    assert quote(value, safe="") == f"{value[:4]}%20a%2Fb"
    assert redact(f"<{quote(value, safe='')}>") == "<***>"
    assert redact(f"<{quote_plus(value)}>") == "<***>"


def test_every_run_of_a_sixteen_character_key_registered_now_is_masked() -> None:
    value = fresh_hex(16)
    register(value)
    for start in range(7):
        part = value[start : start + 10]
        assert redact(f"<{part}>") == "<***>", start


def test_runs_of_long_encoded_forms_of_a_short_value_are_registered() -> None:
    """A 14-character value whose encoded forms are 20: each form gets its runs whatever the
    order the forms are visited in (twenty values, so no lucky order passes)."""
    for _ in range(20):
        head = fresh_hex(10)
        value = f"{head}/ /z"
        register(value)
        encoded_part = f"{head[-5:]}%2F%20"  # in quote(value, safe="") only
        assert redact(f"<{encoded_part}>") == "<***>"


def test_a_sixteen_character_extra_value_is_masked_in_part() -> None:
    extra = (fresh_hex(16),)
    assert redact(f"<{extra[0][3:13]}>", extra=extra) == "<***>"
    assert redact(f"<{extra[0][6:]}>", extra=extra) == "<***>"


def test_every_occurrence_of_a_short_value_is_masked() -> None:
    value = "w" + fresh_hex(7)
    register(value)
    assert redact(f"a{value}b{value}c{value}d") == "a***b***c***d"
    assert redact(f"{value}-tail and more text") == "***-tail and more text"


def test_overlapping_occurrences_are_masked_together() -> None:
    value = "ǂ" * 6
    register(value)
    assert redact("xǂǂǂǂǂǂǂy") == "x***y"
