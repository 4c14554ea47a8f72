"""The declarations are the one source: they make the typed values, the checks and config.example.toml."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from scanstation.config import (
    SECTIONS,
    ConfigError,
    GuiConfig,
    LoggingConfig,
    LoginConfig,
    ReceivingConfig,
    ScannerConfig,
    SectionSpec,
    ServerConfig,
    Setting,
    StationConfig,
    parse_config,
)
from scanstation.config.example import render_example
from scanstation.config.reader import REQUIRED

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
SPECS = {spec.name: spec for spec in SECTIONS}


def test_the_example_file_is_the_one_the_declarations_render() -> None:
    assert EXAMPLE.read_text(encoding="utf-8") == render_example(), (
        "config.example.toml differs from the declarations in scanstation/config/settings.py: "
        "run `python -m scanstation.config.example > config.example.toml`"
    )


@pytest.mark.parametrize("spec", SECTIONS, ids=lambda spec: spec.name)
def test_every_field_of_the_typed_values_is_declared_once(spec: SectionSpec) -> None:
    names = [setting.name for setting in spec.settings]
    assert len(names) == len(set(names))
    assert set(names) == {field.name for field in dataclasses.fields(spec.values)}


def test_the_typed_values_defaults_are_the_declared_ones() -> None:
    # What a file without the key reads as (the declaration's default, through its check) is what the dataclass says.
    config = parse_config({"station": {"id": "st-1"}, "scanners": [{"name": "a", "type": "wedge"}]})
    # The database's default is the machine's data directory, which no dataclass default could know.
    assert config.station == StationConfig(id="st-1")
    assert config.server == ServerConfig()
    assert config.receiving == ReceivingConfig()
    assert config.scanners == (ScannerConfig(name="a", type="wedge"),)
    assert config.gui == GuiConfig()
    assert config.logging == LoggingConfig()
    assert config.login == LoginConfig()
    assert {spec.name for spec in SECTIONS} == {
        "database",
        "station",
        "server",
        "receiving",
        "scanners",
        "gui",
        "login",
        "logging",
    }


@pytest.mark.parametrize(
    "setting", [setting for spec in SECTIONS for setting in spec.settings], ids=lambda setting: setting.name
)
def test_every_declaration_has_what_a_settings_form_needs(setting: Setting) -> None:
    assert setting.description and "\n" not in setting.description
    assert setting.title
    if setting.kind in ("integer", "number"):
        assert setting.lo is not None and setting.hi is not None and setting.lo <= setting.hi
        if isinstance(setting.default, int | float):
            assert setting.lo <= setting.default <= setting.hi
    if setting.choices is not None and setting.default not in (REQUIRED, None):
        assert setting.default in setting.choices


def test_only_the_token_is_secret() -> None:
    secret = [(spec.name, s.name) for spec in SECTIONS for s in spec.settings if s.secret]
    assert secret == [("server", "token")]


def test_the_settings_a_running_station_cannot_apply_say_so() -> None:
    restart = {(spec.name, s.name) for spec in SECTIONS for s in spec.settings if s.restart}
    assert restart == {
        ("database", "url"),
        ("station", "id"),
        ("logging", "level"),
        ("logging", "file"),
        ("gui", "fullscreen"),
        ("gui", "kiosk"),
    }
    assert "fullscreen = false" in render_example()
    assert "kiosk = false" in render_example()
    assert "Start full screen. (A change takes effect at the next start.)" in render_example()


def test_the_login_section_and_the_volume_are_read_and_checked() -> None:
    config = parse_config(
        {
            "station": {"id": "s"},
            "login": {"max_wrong_pins": 3, "lockout_min": 0.5, "idle_logout_min": 0, "badge_pin_for_privileged": False},
            "gui": {"volume": 35},
        }
    )
    assert config.login == LoginConfig(
        max_wrong_pins=3, lockout_min=0.5, idle_logout_min=0.0, badge_pin_for_privileged=False
    )
    assert config.gui.volume == 35
    for section, key, value, words in [
        ("login", "max_wrong_pins", 0, "below the minimum 1"),
        ("login", "max_wrong_pins", 101, "above the maximum 100"),
        ("login", "lockout_min", 0.05, "below the minimum 0.1"),
        ("login", "idle_logout_min", 1441, "above the maximum 1440"),
        ("login", "badge_pin_for_privileged", "yes", "must be true or false"),
        ("gui", "volume", 101, "above the maximum 100"),
        ("gui", "volume", 50.5, "must be a whole number"),
    ]:
        with pytest.raises(ConfigError, match=words) as caught:
            parse_config({"station": {"id": "s"}, section: {key: value}})
        assert caught.value.key == f"{section}.{key}"


def test_a_range_is_checked_as_declared() -> None:
    page_limit = SPECS["server"].setting("page_limit")
    assert page_limit.hi is not None
    parse_config({"station": {"id": "s"}, "server": {"page_limit": int(page_limit.hi)}})
    with pytest.raises(ConfigError, match=f"at most {int(page_limit.hi)}"):
        parse_config({"station": {"id": "s"}, "server": {"page_limit": int(page_limit.hi) + 1}})
