"""Operators: scrypt PIN hashes, roles, names, deactivation and the last admin, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from scanstation.store.connection import Store
from scanstation.store.operators import (
    DISPLAY_NAME_MAX,
    NAME_MAX,
    LastAdminError,
    OperatorError,
    activate_operator,
    active_admin_count,
    add_operator,
    check_new_operator,
    deactivate_operator,
    get_operator,
    hash_pin,
    list_operators,
    pin_matches,
    require_operator,
    set_pin,
    set_role,
    verify_pin,
)


def test_add_and_verify(engine: Store) -> None:
    added = add_operator(engine, "anna", "4821", role="supervisor", display_name="Анна К.")
    assert (added.name, added.role, added.display_name, added.active) == ("anna", "supervisor", "Анна К.", True)
    info = verify_pin(engine, "anna", "4821")
    assert info == added
    assert info is not None
    assert info.is_supervisor


def test_wrong_pin_unknown_name_and_inactive_are_refused(engine: Store) -> None:
    add_operator(engine, "boris", "1234")
    assert verify_pin(engine, "boris", "1235") is None
    assert verify_pin(engine, "nobody", "1234") is None
    assert verify_pin(engine, "boris", "") is None
    assert deactivate_operator(engine, "boris").active is False
    assert verify_pin(engine, "boris", "1234") is None
    with pytest.raises(OperatorError, match="no operator named 'nobody'"):
        deactivate_operator(engine, "nobody")


def test_pin_is_stored_only_as_salted_scrypt(engine: Store) -> None:
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
def test_bad_pins_are_refused(engine: Store, pin: str) -> None:
    with pytest.raises(OperatorError, match="PIN"):
        add_operator(engine, "c", pin)
    assert get_operator(engine, "c") is None


def test_bad_role_duplicate_and_empty_name(engine: Store) -> None:
    with pytest.raises(OperatorError, match="role"):
        add_operator(engine, "d", "1234", role="boss")
    add_operator(engine, "d", "1234")
    with pytest.raises(OperatorError, match="already exists"):
        add_operator(engine, "d", "9999")
    with pytest.raises(OperatorError, match="name"):
        add_operator(engine, "  ", "1234")
    assert verify_pin(engine, "d", "1234") is not None  # the refused duplicate changed nothing


def test_list_and_set_pin(engine: Store) -> None:
    add_operator(engine, "zoe", "1111", role="supervisor")
    add_operator(engine, "ann", "2222")
    deactivate_operator(engine, "zoe")
    assert [o.name for o in list_operators(engine)] == ["ann"]
    assert [(o.name, o.active) for o in list_operators(engine, include_inactive=True)] == [
        ("ann", True),
        ("zoe", False),
    ]
    assert set_pin(engine, "ann", "3333").name == "ann"
    assert verify_pin(engine, "ann", "2222") is None
    assert verify_pin(engine, "ann", "3333") is not None
    with pytest.raises(OperatorError, match="no operator named 'ghost'"):
        set_pin(engine, "ghost", "3333")
    with pytest.raises(OperatorError, match="PIN"):
        set_pin(engine, "ann", "12")
    assert verify_pin(engine, "ann", "3333") is not None


def test_names_are_stripped_and_limited(engine: Store) -> None:
    added = add_operator(engine, "  vera ", "1234", display_name="  Вера С.  ")
    assert (added.name, added.display_name) == ("vera", "Вера С.")
    assert get_operator(engine, "vera") == added
    assert add_operator(engine, "w" * NAME_MAX, "1234", display_name="д" * DISPLAY_NAME_MAX).name == "w" * NAME_MAX
    assert add_operator(engine, "x", "1234", display_name="   ").display_name == "x"
    with pytest.raises(OperatorError, match=f"at most {NAME_MAX}"):
        add_operator(engine, "n" * (NAME_MAX + 1), "1234")
    with pytest.raises(OperatorError, match=f"at most {DISPLAY_NAME_MAX}"):
        add_operator(engine, "y", "1234", display_name="d" * (DISPLAY_NAME_MAX + 1))
    assert [o.name for o in list_operators(engine)] == ["vera", "w" * NAME_MAX, "x"]


@pytest.mark.parametrize("bad", ["an\x00na", "an\nna", "anna\tk", "an\x1b[31mna", "an\u2028na", "\u202eanna"])
def test_control_characters_are_refused(engine: Store, bad: str) -> None:
    with pytest.raises(OperatorError, match="control character"):
        add_operator(engine, bad, "1234")
    with pytest.raises(OperatorError, match="control character"):
        add_operator(engine, "z", "1234", display_name=bad)
    assert list_operators(engine, include_inactive=True) == []


def test_set_role_and_activate(engine: Store) -> None:
    add_operator(engine, "gleb", "1234")
    assert set_role(engine, "gleb", "supervisor").role == "supervisor"
    assert get_operator(engine, "gleb") == set_role(engine, " gleb ", "supervisor")
    with pytest.raises(OperatorError, match="role 'boss'"):
        set_role(engine, "gleb", "boss")
    with pytest.raises(OperatorError, match="no operator named 'ghost'"):
        set_role(engine, "ghost", "clerk")
    deactivate_operator(engine, "gleb")
    assert activate_operator(engine, "gleb").active is True
    assert verify_pin(engine, "gleb", "1234") is not None
    with pytest.raises(OperatorError, match="no operator named 'ghost'"):
        activate_operator(engine, "ghost")


def test_the_last_active_admin_stays_unless_forced(engine: Store) -> None:
    add_operator(engine, "root", "1234", role="admin")
    add_operator(engine, "clerk", "1234")
    with pytest.raises(LastAdminError, match="'root' is the only active admin"):
        deactivate_operator(engine, "root")
    with pytest.raises(LastAdminError, match="making them supervisor"):
        set_role(engine, "root", "supervisor")
    root = get_operator(engine, "root")
    assert root is not None
    assert (root.role, root.active) == ("admin", True)  # the refusals changed nothing
    assert active_admin_count(engine) == 1
    assert set_role(engine, "root", "admin").role == "admin"  # staying admin takes nothing away

    add_operator(engine, "second", "1234", role="admin")
    assert set_role(engine, "root", "clerk").role == "clerk"  # another admin is left
    with pytest.raises(LastAdminError):
        deactivate_operator(engine, "second")
    assert deactivate_operator(engine, "second", force=True).active is False
    assert active_admin_count(engine) == 0
    # An inactive admin is no admin: taking its role away is not refused.
    assert set_role(engine, "second", "clerk").role == "clerk"


def test_checks_before_the_pin_is_asked(engine: Store) -> None:
    add_operator(engine, "anna", "1234")
    check_new_operator(engine, "vera", "clerk", "Вера")
    with pytest.raises(OperatorError, match="'anna' already exists"):
        check_new_operator(engine, " anna ", "clerk")
    with pytest.raises(OperatorError, match="role"):
        check_new_operator(engine, "vera", "boss")
    with pytest.raises(OperatorError, match="control character"):
        check_new_operator(engine, "vera", "clerk", "\x07")
    assert require_operator(engine, " anna ").name == "anna"
    with pytest.raises(OperatorError, match="no operator named 'ghost'"):
        require_operator(engine, "ghost")
    assert [o.name for o in list_operators(engine)] == ["anna"]
