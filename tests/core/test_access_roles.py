"""The roles' order, the refusal in words, and what a badge scan looks like."""

from __future__ import annotations

import pytest

from scanstation.domain import (
    MINIMUM_ROLE,
    Act,
    Actor,
    NotAllowedError,
    Role,
    badge_digest,
    badge_secret_of,
    is_badge,
    new_badge_secret,
    require,
)


def test_each_role_may_what_the_roles_before_it_may() -> None:
    clerk, supervisor, admin = (Actor(r.value, r) for r in Role)
    for act, needed in MINIMUM_ROLE.items():
        assert admin.may(act)
        assert supervisor.may(act) is (needed is not Role.ADMIN)
        assert not clerk.may(act)


def test_a_refusal_names_who_what_and_the_role_needed() -> None:
    with pytest.raises(NotAllowedError) as refused:
        require(Actor("anna", Role.CLERK, "Anna K."), Act.MANAGE_OPERATORS)
    assert str(refused.value) == "Anna K. is a clerk: managing operators needs an admin"
    assert refused.value.act is Act.MANAGE_OPERATORS
    with pytest.raises(NotAllowedError, match="is a supervisor: changing the station's settings needs an admin"):
        require(Actor("boris", Role.SUPERVISOR), Act.CHANGE_SETTINGS)
    require(Actor("vera", Role.ADMIN), Act.CHANGE_SETTINGS)


def test_every_act_has_a_minimum_role_and_words() -> None:
    from scanstation.domain import ACT_WORDS

    assert set(MINIMUM_ROLE) == set(Act) == set(ACT_WORDS)


def test_a_badge_is_told_from_a_parcel_and_its_digest_is_not_the_secret() -> None:
    secret = new_badge_secret()
    assert is_badge(secret) and is_badge(f" ]C0{secret}\r\n")
    assert badge_secret_of(f"]C0{secret}") == secret
    assert badge_digest(secret) != secret and len(badge_digest(secret)) == 64
    assert new_badge_secret() != secret
    for parcel in (
        "1Z999AA10123456784",
        "9400111899223197428490",
        "SSB-1234",
        secret + "0",
        secret.lower(),
        "x" + secret,
    ):
        assert not is_badge(parcel), parcel
