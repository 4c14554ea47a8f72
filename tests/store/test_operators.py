"""Operators: scrypt PIN hashes, roles, deactivation, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from scanstation.store.operators import (
    OperatorError,
    add_operator,
    deactivate_operator,
    get_operator,
    hash_pin,
    list_operators,
    pin_matches,
    set_pin,
    verify_pin,
)


def test_add_and_verify(engine: Engine) -> None:
    added = add_operator(engine, "anna", "4821", role="supervisor", display_name="Анна К.")
    assert (added.name, added.role, added.display_name, added.active) == ("anna", "supervisor", "Анна К.", True)
    info = verify_pin(engine, "anna", "4821")
    assert info == added
    assert info is not None
    assert info.is_supervisor


def test_wrong_pin_unknown_name_and_inactive_are_refused(engine: Engine) -> None:
    add_operator(engine, "boris", "1234")
    assert verify_pin(engine, "boris", "1235") is None
    assert verify_pin(engine, "nobody", "1234") is None
    assert verify_pin(engine, "boris", "") is None
    assert deactivate_operator(engine, "boris") is True
    assert verify_pin(engine, "boris", "1234") is None
    assert deactivate_operator(engine, "nobody") is False


def test_pin_is_stored_only_as_salted_scrypt(engine: Engine) -> None:
    add_operator(engine, "a", "123456")
    add_operator(engine, "b", "123456")
    with engine.connect() as conn:
        hashes: dict[str, str] = {
            r.name: r.pin_hash for r in conn.execute(text("SELECT name, pin_hash FROM operators"))
        }
    assert all(h.startswith("scrypt$") and "123456" not in h for h in hashes.values())
    assert hashes["a"] != hashes["b"]  # a random salt each


def test_hash_round_trip_and_tampering() -> None:
    stored = hash_pin("0000")
    assert pin_matches("0000", stored)
    assert not pin_matches("0001", stored)
    assert not pin_matches("0000", stored[:-2] + ("00" if stored[-2:] != "00" else "11"))
    assert not pin_matches("0000", "plain:0000")
    assert not pin_matches("0000", "scrypt$x$y$z$salt$hash")


@pytest.mark.parametrize("pin", ["123", "1234567890123", "12a4", "", "١٢٣٤"])
def test_bad_pins_are_refused(engine: Engine, pin: str) -> None:
    with pytest.raises(OperatorError, match="PIN"):
        add_operator(engine, "c", pin)
    assert get_operator(engine, "c") is None


def test_bad_role_duplicate_and_empty_name(engine: Engine) -> None:
    with pytest.raises(OperatorError, match="role"):
        add_operator(engine, "d", "1234", role="boss")
    add_operator(engine, "d", "1234")
    with pytest.raises(OperatorError, match="already exists"):
        add_operator(engine, "d", "9999")
    with pytest.raises(OperatorError, match="name"):
        add_operator(engine, "  ", "1234")
    assert verify_pin(engine, "d", "1234") is not None  # the refused duplicate changed nothing


def test_list_and_set_pin(engine: Engine) -> None:
    add_operator(engine, "zoe", "1111", role="admin")
    add_operator(engine, "ann", "2222")
    deactivate_operator(engine, "zoe")
    assert [o.name for o in list_operators(engine)] == ["ann"]
    assert [(o.name, o.active) for o in list_operators(engine, include_inactive=True)] == [
        ("ann", True),
        ("zoe", False),
    ]
    assert set_pin(engine, "ann", "3333") is True
    assert verify_pin(engine, "ann", "2222") is None
    assert verify_pin(engine, "ann", "3333") is not None
    assert set_pin(engine, "ghost", "3333") is False
