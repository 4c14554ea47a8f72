"""Translations: the Russian catalogue is complete, compiles at first use, and a missing one falls back to English."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from scanstation.gui import qt
from scanstation.gui.i18n import Translations, lrelease_command, qm_path
from scanstation.gui.resources import i18n_dir

ROOT = Path(__file__).resolve().parents[2]


def test_every_string_on_screen_has_a_russian_translation(tmp_path: Path) -> None:
    # lupdate over the GUI sources must find nothing new and nothing unfinished in the committed catalogue.
    ts = tmp_path / "scanstation_ru.ts"
    shutil.copy(i18n_dir() / "scanstation_ru.ts", ts)
    lrelease = lrelease_command()
    assert lrelease is not None
    lupdate = Path(lrelease[0]).with_name("lupdate")
    sources = sorted(str(p) for p in (ROOT / "scanstation" / "gui").rglob("*.py"))
    out = subprocess.run(
        [str(lupdate), *sources, "-ts", str(ts), "-no-obsolete", "-locations", "none"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "(0 new and" in out.stdout + out.stderr
    text = ts.read_text(encoding="utf-8")
    assert 'type="unfinished"' not in text
    assert "<translation>НЕИЗВЕСТНАЯ</translation>" in text


def test_catalogue_compiles_once_and_again_when_the_source_changes(tmp_path: Path, qapp: Any) -> None:
    source = tmp_path / "src"
    shutil.copytree(i18n_dir(), source)
    out = tmp_path / "out"
    qm = qm_path("ru", source, out)
    assert qm == out / "scanstation_ru.qm"
    first = qm.stat().st_mtime_ns
    assert qm_path("ru", source, out) == qm
    assert qm.stat().st_mtime_ns == first  # not compiled again

    translator = qt.QTranslator()
    assert translator.load(str(qm))
    assert (
        translator.translate("Verdict", "do not shelve: call a supervisor") == "не ставьте на полку: позовите старшего"
    )

    ts = source / "scanstation_ru.ts"
    ts.write_text(ts.read_text(encoding="utf-8").replace("ГОТОВО", "ГОТОВ К РАБОТЕ"), encoding="utf-8")
    later = qm.stat().st_mtime + 5
    os.utime(ts, (later, later))
    qm_path("ru", source, out)
    assert translator.load(str(qm))
    assert translator.translate("Verdict", "READY") == "ГОТОВ К РАБОТЕ"


def test_a_missing_catalogue_falls_back_to_english_without_failing(tmp_path: Path, qapp: Any) -> None:
    translations = Translations(qapp, source_dir=tmp_path / "nowhere", out_dir=tmp_path / "out")
    assert translations.set_language("ru") is False
    assert translations.language == "en"
    assert "could not be loaded" in translations.problem
    assert qt.QCoreApplication.translate("Verdict", "UNKNOWN") == "UNKNOWN"
