"""Russian and English through Qt translators; .ts sources are compiled to .qm on first use.

The source strings in the code are English, so English needs no catalogue. The Russian catalogue's
source, resources/i18n/scanstation_ru.ts, is what people edit (pyside6-linguist) and commit; the
compiled .qm is a build output: compiled by pyside6-lrelease into the state directory the first time
it is needed (or again when the .ts is newer), or shipped ready beside the .ts in a frozen build.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import PySide6

from scanstation import paths
from scanstation.gui import qt
from scanstation.gui.resources import i18n_dir

log = logging.getLogger(__name__)

# The source strings in the code are English, so English needs no catalogue; Russian does.
LANGUAGES = ("ru", "en")
CATALOGUE = "scanstation"


def lrelease_command() -> list[str] | None:
    """The lrelease that ships in PySide6-Essentials, else one on PATH."""
    for name in ("lrelease", "lrelease.exe"):
        bundled = Path(PySide6.__file__).with_name(name)
        if bundled.is_file():
            return [str(bundled)]
    found = shutil.which("pyside6-lrelease") or shutil.which("lrelease")
    return [found] if found else None


def compiled_dir() -> Path:
    """.qm files are build outputs: they live in the state directory, not in the source tree."""
    return paths.state_dir() / "i18n"


def qm_path(language: str, source_dir: Path | None = None, out_dir: Path | None = None) -> Path | None:
    """The compiled catalogue for `language`, compiling it when missing or older than its .ts.

    A frozen build ships ready .qm files beside the .ts sources; those are used as they are.
    Returns None (and logs why) when there is no catalogue and none can be made.
    """
    source_dir = source_dir or i18n_dir()
    ts = source_dir / f"{CATALOGUE}_{language}.ts"
    shipped = source_dir / f"{CATALOGUE}_{language}.qm"
    if shipped.is_file() and (not ts.is_file() or shipped.stat().st_mtime >= ts.stat().st_mtime):
        return shipped
    if not ts.is_file():
        log.warning("no translation source %s", ts)
        return None
    out = (out_dir or compiled_dir()) / f"{CATALOGUE}_{language}.qm"
    if out.is_file() and out.stat().st_mtime >= ts.stat().st_mtime:
        return out
    command = lrelease_command()
    if command is None:
        log.warning("cannot compile %s: lrelease not found (install PySide6-Essentials)", ts)
        return None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([*command, "-silent", str(ts), "-qm", str(out)], check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("compiling %s failed: %s", ts, exc)
        return None
    return out if out.is_file() else None


class Translations:
    """Installs the translator for one language at a time; Qt then sends LanguageChange to every widget."""

    def __init__(
        self, app: qt.QCoreApplication, *, source_dir: Path | None = None, out_dir: Path | None = None
    ) -> None:
        self._app = app
        self._source_dir = source_dir
        self._out_dir = out_dir
        self._translator: qt.QTranslator | None = None
        self.language = "en"
        self.problem = ""  # why the requested language could not be loaded, for the status bar

    def set_language(self, language: str) -> bool:
        if language not in LANGUAGES:
            raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
        if self._translator is not None:
            self._app.removeTranslator(self._translator)
            self._translator = None
        self.problem = ""
        if language != "en":
            path = qm_path(language, self._source_dir, self._out_dir)
            translator = qt.QTranslator(self._app)
            if path is None or not translator.load(str(path)):
                self.problem = f"the {language} translation could not be loaded; showing English"
                log.warning(self.problem)
                self.language = "en"
                self._app.installTranslator(translator)  # still posts LanguageChange so the screen redraws
                self._app.removeTranslator(translator)
                return False
            self._app.installTranslator(translator)
            self._translator = translator
        else:
            # Installing an empty translator is the portable way to make Qt post LanguageChange.
            blank = qt.QTranslator(self._app)
            self._app.installTranslator(blank)
            self._app.removeTranslator(blank)
        self.language = language
        return True
