"""The log-in screen shows the core's refusal in its words (a lock-out), and the window's badge check answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scanstation.access.login import LoginPolicy, log_in_with_pin
from scanstation.access.operators import issue_badge
from scanstation.domain import Actor, Role
from scanstation.gui.session import Login, PinNeeded, Refusal
from scanstation.store.operators import add_operator

from .conftest import OPERATOR, PIN, STATION, Station

pytestmark = pytest.mark.gui


def test_a_locked_out_operator_reads_why_and_until_when(station: Station) -> None:
    now = datetime.now(UTC)
    for n in range(5):  # someone guessed five times a while ago (the waits between the guesses passed)
        log_in_with_pin(
            station.engine, OPERATOR, "0000", LoginPolicy(), station=STATION, now=now + timedelta(minutes=n)
        )
    until = (now + timedelta(minutes=4, seconds=300)).astimezone().strftime("%H:%M")
    station.log_in()  # the right PIN
    assert station.window.operator is None
    assert station.window.login_error_label.text() == (
        f"locked until {until} (5 wrong PINs in a row): an admin can unlock"
    )


def test_the_russian_log_in_screen_says_the_cores_refusals_in_russian(station: Station) -> None:
    station.window.toggle_language()  # to Russian, as a clerk presses F9
    station.log_in("nobody-here", PIN)
    assert station.window.login_error_label.text() == "неверное имя или PIN"
    now = datetime.now(UTC)
    for n in range(5):  # as above: five guesses a while ago lock the operator
        log_in_with_pin(
            station.engine, OPERATOR, "0000", LoginPolicy(), station=STATION, now=now + timedelta(minutes=n)
        )
    until = (now + timedelta(minutes=4, seconds=300)).astimezone().strftime("%H:%M")
    station.log_in()
    assert station.window.login_error_label.text() == (
        f"заблокирован до {until} (5 неверных PIN подряд): разблокировать может администратор"
    )


def test_the_window_logs_in_with_the_role_the_core_gave(station: Station) -> None:
    add_operator(station.engine, "sven", PIN, role="supervisor", display_name="Sven")
    station.log_in("sven", PIN)
    login = station.receiving.session.login
    assert login is not None and login.role is Role.SUPERVISOR
    assert station.receiving.session.actor == Actor("sven", Role.SUPERVISOR, "Sven")


def test_check_badge_answers_a_login_or_asks_the_pin_or_refuses(station: Station) -> None:
    admin = Actor.shell("test")
    clerk_badge = issue_badge(station.engine, admin, OPERATOR, station=STATION)
    add_operator(station.engine, "sven", PIN, role="supervisor")
    sven_badge = issue_badge(station.engine, admin, "sven", station=STATION)
    receiving = station.receiving
    assert receiving.check_badge(clerk_badge) == Login(OPERATOR, "Anna K.", Role.CLERK)
    assert receiving.check_badge(sven_badge) == PinNeeded("sven")
    assert receiving.check_badge(sven_badge, PIN) == Login("sven", "sven", Role.SUPERVISOR)
    assert receiving.check_badge("SSB-" + "0" * 26) == Refusal("this badge is not valid (revoked or unknown)")
