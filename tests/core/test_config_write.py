"""Settings written back: comments and order kept, the loader's own checks, an atomic owner-only save."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scanstation.config import ConfigError, ConfigErrors, load_config
from scanstation.config.write import SettingsEdit
from scanstation.domain import SettingChange

ROOT = Path(__file__).resolve().parents[2]

ORIGINAL = """\
# Dock 4, north wall. Ask Pat before changing the scanners.
[station]
id = "dock-4"      # printed on the shelf labels
operator = "conveyor"

[server]
url = "https://central.example/api/station/v1"
# rotated every quarter
token = "old-token-1"
pull_interval_s = 60   # the feed is slow at night

[[scanners]]
# the handheld on the left
name = "left"
type = "serial"
port = "/dev/ttyACM0"
baudrate = 9600

[[scanners]]
name = "tunnel"
type = "socket"
url = "socket://192.0.2.10:2001"

[gui]
language = "en"
"""


def _file(tmp_path: Path, text: str = ORIGINAL) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644)
    return path


def test_an_edit_changes_only_its_lines_and_every_comment_stays(tmp_path: Path) -> None:
    edit = SettingsEdit.open(_file(tmp_path))
    edit.set("server", "pull_interval_s", 30)
    edit.set("gui", "volume", 40)
    edit.set("receiving", "undo_window_s", 5.5)
    edit.set_scanner("left", {"baudrate": 115200})
    edit.set("station", "operator", None)
    assert edit.text() == ORIGINAL.replace("pull_interval_s = 60", "pull_interval_s = 30").replace(
        '\noperator = "conveyor"', ""
    ).replace("baudrate = 9600", "baudrate = 115200").replace('language = "en"\n', 'language = "en"\nvolume = 40\n') + (
        "\n[receiving]\nundo_window_s = 5.5\n"
    )
    config = edit.save()
    assert (tmp_path / "config.toml").read_text(encoding="utf-8") == edit.text()
    assert config == load_config(tmp_path / "config.toml")
    assert (config.server.pull_interval_s, config.gui.volume, config.receiving.undo_window_s) == (30, 40, 5.5)
    assert config.scanners[0].baudrate == 115200


def test_an_edit_that_changes_nothing_saves_the_file_byte_for_byte(tmp_path: Path) -> None:
    path = _file(tmp_path)
    edit = SettingsEdit.open(path)
    assert edit.changes() == ()
    edit.save()
    assert path.read_text(encoding="utf-8") == ORIGINAL


def test_scanners_are_added_renamed_and_removed_with_their_neighbours_untouched(tmp_path: Path) -> None:
    edit = SettingsEdit.open(_file(tmp_path))
    edit.set_scanner(None, {"name": "wedge-1", "type": "wedge", "min_length": 10, "prefix": None})
    edit.set_scanner("tunnel", {"name": "tunnel-2", "terminator": "CRLF"})
    edit.remove_scanner("left")
    with pytest.raises(KeyError, match="no scanner named 'left'"):
        edit.set_scanner("left", {"baudrate": 1200})
    text = edit.text()
    assert "# the handheld on the left" not in text
    # The new block goes after the last one, before the table that followed it.
    assert text.endswith(
        '[[scanners]]\nname = "tunnel-2"\ntype = "socket"\nurl = "socket://192.0.2.10:2001"\nterminator = "CRLF"\n\n'
        '[[scanners]]\nname = "wedge-1"\ntype = "wedge"\nmin_length = 10\n\n[gui]\nlanguage = "en"\n'
    )
    config = edit.validate()
    assert [(s.name, s.type) for s in config.scanners] == [("tunnel-2", "socket"), ("wedge-1", "wedge")]
    assert config.gui.language == "en"
    assert config.scanners[0].terminator == "CRLF"
    assert edit.changes() == (
        SettingChange("scanners[tunnel].name", "tunnel", "tunnel-2"),
        SettingChange("scanners[tunnel].terminator", "CR", "CRLF"),
        SettingChange("scanners[wedge-1]", None, {"name": "wedge-1", "type": "wedge", "min_length": 10}),
        SettingChange(
            "scanners[left]", {"name": "left", "type": "serial", "port": "/dev/ttyACM0", "baudrate": 9600}, None
        ),
    )


def test_removing_the_last_scanner_leaves_no_empty_array_behind(tmp_path: Path) -> None:
    edit = SettingsEdit.open(_file(tmp_path))
    edit.remove_scanner("left")
    edit.remove_scanner("tunnel")
    assert "[[scanners]]" not in edit.text()
    assert "scanners =" not in edit.text()
    assert edit.validate().scanners == ()


def test_a_new_section_is_added_when_the_file_has_none(tmp_path: Path) -> None:
    edit = SettingsEdit.open(_file(tmp_path, '[station]\nid = "s"\n'))
    edit.set("login", "max_wrong_pins", 3)
    edit.set_scanner(None, {"name": "w", "type": "wedge"})
    assert edit.text() == (
        '[station]\nid = "s"\n\n[login]\nmax_wrong_pins = 3\n\n[[scanners]]\nname = "w"\ntype = "wedge"\n'
    )
    assert edit.validate().login.max_wrong_pins == 3


def test_changes_name_each_setting_and_never_carry_the_token(tmp_path: Path) -> None:
    edit = SettingsEdit.open(_file(tmp_path))
    edit.set_token("new-token-2")
    edit.set("station", "id", "dock-5")
    edit.set("gui", "fullscreen", True)
    edit.set("gui", "sound", False)
    edit.set("gui", "language", "en")  # as it was: no change
    changes = edit.changes()
    assert changes == (
        SettingChange("station.id", "dock-4", "dock-5", needs_restart=True),
        SettingChange("server.token", None, None, secret=True),
        SettingChange("gui.sound", True, False),
        SettingChange("gui.fullscreen", False, True, needs_restart=True),
    )
    assert "token-" not in repr(changes)
    assert 'token = "new-token-2"' in edit.text()
    assert edit.validate().server_token({}) == "new-token-2"
    edit.set_token("")
    assert "token =" not in edit.text()
    assert "# rotated every quarter" in edit.text()


def test_a_mistake_is_named_in_the_loaders_own_words(tmp_path: Path) -> None:
    edit = SettingsEdit.open(_file(tmp_path))
    edit.set("server", "page_limit", 9000)
    edit.set("gui", "volume", 101)
    edit.set("login", "lockout_mins", 3)
    edit.set_scanner("left", {"type": "usb"})
    with pytest.raises(ConfigErrors) as caught:
        edit.validate()
    by_hand = tmp_path / "by-hand.toml"
    by_hand.write_text(edit.text(), encoding="utf-8")
    with pytest.raises(ConfigErrors) as loaded:
        load_config(by_hand)
    # Only the file's name differs: the keys, problems and fixes are the loader's.
    assert str(caught.value).replace("config.toml", "by-hand.toml") == str(loaded.value)
    assert [e.key for e in caught.value.errors] == [
        "server.page_limit",
        "scanners[0].type",
        "gui.volume",
        "login.lockout_mins",
    ]
    assert "did you mean `lockout_min`?" in str(caught.value)


def test_a_refused_edit_is_not_saved(tmp_path: Path) -> None:
    path = _file(tmp_path)
    edit = SettingsEdit.open(path)
    edit.set("server", "token", "two words")
    with pytest.raises(ConfigError, match=r"server\.token: contains a space") as caught:
        edit.save()
    assert "two words" not in str(caught.value)
    assert path.read_text(encoding="utf-8") == ORIGINAL
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_save_is_owner_only_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = _file(tmp_path)
    edit = SettingsEdit.open(path)
    edit.set("gui", "volume", 10)
    edit.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_a_save_through_a_symlink_replaces_the_file_it_points_to(tmp_path: Path) -> None:
    real = _file(tmp_path)
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    edit = SettingsEdit.open(link)
    edit.set("gui", "volume", 10)
    edit.save()
    assert link.is_symlink()
    assert load_config(real).gui.volume == 10


def test_a_file_changed_by_someone_else_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    path = _file(tmp_path)
    edit = SettingsEdit.open(path)
    edit.set("gui", "volume", 10)
    path.write_text(ORIGINAL + "\n# edited by hand meanwhile\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="was changed by someone else since the settings were opened"):
        edit.save()
    assert path.read_text(encoding="utf-8").endswith("# edited by hand meanwhile\n")


def test_a_file_that_is_not_toml_is_refused_in_the_loaders_words(tmp_path: Path) -> None:
    path = _file(tmp_path, "[station\nid = 1\n")
    with pytest.raises(ConfigError) as caught:
        SettingsEdit.open(path)
    with pytest.raises(ConfigError) as loaded:
        load_config(path)
    assert str(caught.value) == str(loaded.value)
    assert caught.value.key == "(syntax)"


# A child process saves an edit and stops at one moment of the save (it tells the parent, then waits on
# its stdin, which never answers); the parent kills it there with SIGKILL, as a power cut or the OOM killer would.
_SAVER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from scanstation.config.write import SettingsEdit

    moment = sys.argv[2]
    real_write, real_fsync = os.write, os.fsync
    fsyncs = []

    def stop_here():
        print("stopped", flush=True)
        sys.stdin.read()

    def write(fd, data):
        if moment == "mid-write":
            written = real_write(fd, bytes(data[: len(data) // 2]))
            stop_here()
            return written
        return real_write(fd, data)

    def fsync(fd):
        fsyncs.append(fd)
        # The first fsync is the new file's, before the rename; the second the directory's, after it.
        if (moment, len(fsyncs)) in (("before-rename", 1), ("after-rename", 2)):
            stop_here()
        real_fsync(fd)

    os.write, os.fsync = write, fsync
    edit = SettingsEdit.open(Path(sys.argv[1]))
    edit.set("server", "pull_interval_s", 45)
    edit.set("gui", "volume", 35)
    edit.set_scanner(None, {"name": "extra", "type": "wedge", "min_length": 12})
    edit.save()
    print("saved", flush=True)
    """
)


@pytest.mark.parametrize(
    ("moment", "survivor"), [("mid-write", "old"), ("before-rename", "old"), ("after-rename", "new")]
)
def test_a_save_killed_at_any_moment_leaves_the_old_file_or_the_new_never_a_mix(
    tmp_path: Path, moment: str, survivor: str
) -> None:
    path = _file(tmp_path)
    with subprocess.Popen(
        [sys.executable, "-c", _SAVER, str(path), moment],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ) as saver:
        try:
            assert saver.stdout is not None
            assert saver.stdout.readline() == "stopped\n"
            saver.send_signal(signal.SIGKILL)
            assert saver.wait(timeout=30) == -signal.SIGKILL
        finally:
            if saver.poll() is None:
                saver.kill()
    text = path.read_text(encoding="utf-8")
    config = load_config(path)
    if survivor == "old":
        assert text == ORIGINAL
        assert config.server.pull_interval_s == 60
    else:
        assert text.startswith(ORIGINAL.replace("pull_interval_s = 60", "pull_interval_s = 45").split("[gui]")[0])
        assert (config.server.pull_interval_s, config.gui.volume) == (45, 35)
        assert (config.scanners[-1].name, config.scanners[-1].min_length) == ("extra", 12)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_save_the_killed_child_makes_works_when_nothing_stops_it(tmp_path: Path) -> None:
    # The same child, left alone: proves the stops above are what the kill interrupted.
    path = _file(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", _SAVER, str(path), "none"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=False,
    )
    assert done.stdout == "saved\n", done.stderr
    assert load_config(path).gui.volume == 35
