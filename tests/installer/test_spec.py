"""installer/scanstation.spec lists every dynamically imported module and every file found by path at run time."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from scanstation.commands.bench import BENCHMARKS
from scanstation.gui import resources
from scanstation.store.migrate import MIGRATIONS_DIR

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "installer" / "scanstation.spec"


class _Recorder:
    """Stands in for PyInstaller's Analysis/PYZ/EXE/COLLECT: keeps what the spec passes, builds nothing."""

    made: list[_Recorder]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs
        # Attributes the spec hands from Analysis to PYZ/EXE/COLLECT.
        self.pure = self.scripts = self.binaries = self.datas = ()
        self.made.append(self)


def spec_namespace(workpath: Path) -> dict[str, Any]:
    """Run the spec the way PyInstaller does (same injected names), with recorders for the build classes."""
    made: list[_Recorder] = []
    classes = {name: type(name, (_Recorder,), {"made": made}) for name in ("Analysis", "PYZ", "EXE", "COLLECT")}
    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "__file__": str(SPEC),
        "SPECPATH": str(SPEC.parent),
        "specnm": SPEC.stem,
        "workpath": str(workpath),
        "DISTPATH": str(workpath / "dist"),
        **classes,
    }
    saved_path = list(sys.path)
    try:
        exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    finally:
        sys.path[:] = saved_path
    namespace["_made"] = made
    return namespace


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return spec_namespace(tmp_path_factory.mktemp("pyinstaller-work"))


@pytest.fixture(scope="module")
def analysis(spec: dict[str, Any]) -> Any:
    (made,) = [r for r in spec["_made"] if type(r).__name__ == "Analysis"]
    return made


def _modules_under(package: str) -> list[str]:
    folder = ROOT.joinpath(*package.split("."))
    return sorted(f"{package}.{p.stem}" for p in folder.glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("package", ["scanstation.commands", "scanstation.bench"])
def test_every_module_imported_by_name_is_a_hidden_import(analysis: Any, package: str) -> None:
    modules = _modules_under(package)
    assert modules, f"no modules found under {package}"
    missing = [m for m in modules if m not in analysis.kwargs["hiddenimports"]]
    assert not missing, f"add {missing} to COMMAND_MODULES/BENCH_MODULES in installer/scanstation.spec"


def test_every_cli_command_and_existing_benchmark_is_bundled(analysis: Any) -> None:
    from scanstation.cli import COMMANDS

    wanted = [f"scanstation.commands.{module}" for module, _help in COMMANDS.values()]
    # A benchmark named in BENCHMARKS but not written yet is reported as missing by `scanstation bench`.
    wanted += [
        f"scanstation.bench.{name}" for name in BENCHMARKS if (ROOT / "scanstation" / "bench" / f"{name}.py").exists()
    ]
    assert set(wanted) <= set(analysis.kwargs["hiddenimports"])


def test_every_hidden_import_exists(analysis: Any) -> None:
    # A stale entry (a command that was removed) only makes PyInstaller warn; fail here instead.
    import psycopg  # noqa: F401  (psycopg_binary refuses to be imported first)

    unknown = [m for m in analysis.kwargs["hiddenimports"] if importlib.util.find_spec(m) is None]
    assert not unknown


def test_every_migration_file_is_bundled_where_the_engine_looks(analysis: Any) -> None:
    files = sorted(
        p for p in MIGRATIONS_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )
    assert any(p.parent.name == "versions" for p in files), "no migration revisions found"
    # engine.py looks beside its own module; frozen, that is the same path relative to the bundle root.
    base = MIGRATIONS_DIR.relative_to(ROOT)
    datas = {(Path(src).resolve(), Path(dest)) for src, dest in analysis.kwargs["datas"]}
    missing = [p for p in files if (p.resolve(), base / p.parent.relative_to(MIGRATIONS_DIR)) not in datas]
    assert not missing, f"not bundled (or in the wrong folder): {missing}"


def test_modules_the_migrations_import_are_hidden_imports(analysis: Any) -> None:
    # Alembic loads env.py and the revisions by path: their imports are invisible to PyInstaller.
    assert {"alembic.op", "alembic.context", "sqlalchemy", "scanstation.store.models"} <= set(
        analysis.kwargs["hiddenimports"]
    )


def test_sounds_and_compiled_translations_are_where_the_gui_looks(
    analysis: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    sounds = resources.sounds_dir().relative_to(tmp_path)
    i18n = resources.i18n_dir().relative_to(tmp_path)
    datas = [(Path(src), Path(dest)) for src, dest in analysis.kwargs["datas"]]

    wavs = sorted((ROOT / "resources" / "sounds").glob("*.wav"))
    assert wavs
    assert all((wav, sounds) in datas for wav in wavs)
    assert not any(src.suffix == ".py" and dest == sounds for src, dest in datas), "the sound generator is not data"

    catalogues = sorted((ROOT / "resources" / "i18n").glob("*.ts"))
    assert catalogues
    shipped = {src.name: src for src, dest in datas if dest == i18n}
    for ts in catalogues:
        qm = shipped.get(f"{ts.stem}.qm")
        assert qm is not None, f"{ts.name} is not compiled into the bundle"
        assert qm.stat().st_size > 0
        # Only the .qm ships: a .ts beside it would make qm_path compare copy times at run time.
        assert ts.name not in shipped


def test_one_console_executable_named_scanstation_and_big_qt_left_out(spec: dict[str, Any], analysis: Any) -> None:
    (script,) = analysis.args[0]
    assert Path(script).is_file()
    exes = [r for r in spec["_made"] if type(r).__name__ == "EXE"]
    console = [e for e in exes if e.kwargs["console"]]
    assert [e.kwargs["name"] for e in console] == ["scanstation"]
    (collect,) = [r for r in spec["_made"] if type(r).__name__ == "COLLECT"]
    assert collect.kwargs["name"] == "scanstation"
    assert {"PySide6.QtWebEngineCore", "PySide6.QtQml", "PySide6.QtQuick"} <= set(analysis.kwargs["excludes"])


def test_only_the_russian_qt_catalogue_is_kept(spec: dict[str, Any]) -> None:
    datas = [
        ("PySide6/Qt/translations/qtbase_ru.qm", "/src/qtbase_ru.qm", "DATA"),
        ("PySide6/Qt/translations/qtbase_de.qm", "/src/qtbase_de.qm", "DATA"),
        ("PySide6/Qt/translations/qt_help_ru.qm", "/src/qt_help_ru.qm", "DATA"),
        ("resources/i18n/scanstation_ru.qm", "/src/scanstation_ru.qm", "DATA"),
    ]
    kept = spec["without_qt_translations"](datas, spec["QT_TRANSLATIONS_KEPT"])
    assert [d for d, _s, _k in kept] == ["PySide6/Qt/translations/qtbase_ru.qm", "resources/i18n/scanstation_ru.qm"]


@pytest.mark.parametrize(
    ("name", "system"),
    [
        ("libX11.so.6", True),
        ("libfontconfig.so.1", True),
        ("libglib-2.0.so.0", True),
        ("libpulse.so.0", True),
        ("libpulsecommon-16.1.so", True),
        ("libcups.so.2", True),
        ("libgnutls.so.30", True),
        # Kept: Qt's and Python's own, the xcb utilities a desktop may lack, psycopg's private copies.
        ("libQt6Core.so.6", False),
        ("libxcb-cursor.so.0", False),
        ("libxkbcommon-x11.so.0", False),
        ("libpython3.11.so.1.0", False),
        ("libssl.so.3", False),
        ("libstdc++.so.6", False),
        ("libgssapi_krb5.so.2", False),
        ("libssl-6a9b88ec.so.3", False),
    ],
)
def test_the_desktop_libraries_taken_from_the_target(spec: dict[str, Any], name: str, system: bool) -> None:
    assert bool(spec["SYSTEM_LIBRARIES"].fullmatch(name)) is system


def test_unwanted_plugins_go_by_name_and_by_folder(spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    plugins = "PySide6/Qt/plugins"
    binaries = [
        (f"{plugins}/platforms/libqxcb.so", "/src/libqxcb.so", "BINARY"),
        (f"{plugins}/platforms/libqoffscreen.so", "/src/libqoffscreen.so", "BINARY"),
        (f"{plugins}/platforms/libqwayland.so", "/src/libqwayland.so", "BINARY"),
        (f"{plugins}/wayland-shell-integration/libxdg-shell.so", "/src/libxdg-shell.so", "BINARY"),
        (f"{plugins}/imageformats/libqjpeg.so", "/src/libqjpeg.so", "BINARY"),
        (f"{plugins}/imageformats/libqtiff.so", "/src/libqtiff.so", "BINARY"),
        (f"{plugins}/imageformats/libqwebp.so", "/src/libqwebp.so", "BINARY"),
        (f"{plugins}/multimedia/libffmpegmediaplugin.so", "/src/libffmpegmediaplugin.so", "BINARY"),
    ]
    # PyInstaller's dependency reader would open the files: these stand-ins need nothing.
    for name in ("PyInstaller", "PyInstaller.depend"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    bindepend = types.ModuleType("PyInstaller.depend.bindepend")
    bindepend.get_imports = lambda path: []  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "PyInstaller.depend.bindepend", bindepend)
    kept, _ = spec["without_plugins"](binaries, [], spec["UNWANTED_PLUGINS"], spec["UNWANTED_PLUGIN_FOLDERS"])
    assert [Path(d).name for d, _s, _k in kept] == [
        "libqxcb.so",
        "libqoffscreen.so",
        "libqjpeg.so",
        "libqwebp.so",
        "libffmpegmediaplugin.so",
    ]
