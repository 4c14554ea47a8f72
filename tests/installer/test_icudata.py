"""installer/icudata.py: ICU's data cut to English and Russian still serves ICU itself (a real ICU, through ctypes)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import PySide6
import pytest

ROOT = Path(__file__).resolve().parents[2]
QT_LIB = Path(PySide6.__file__).with_name("Qt") / "lib"
ICU_DATA = sorted(QT_LIB.glob("libicudata.so.*"))
# ucol_open's answer per locale: 0 its own, -128 its language's (U_USING_FALLBACK_WARNING), -127 ICU's root
# collation (U_USING_DEFAULT_WARNING: the locale's data is not there).
PROBE = """
import ctypes, json, sys
version = sys.argv[1]
i18n = ctypes.CDLL("libicui18n.so." + version)
opened = {}
for locale in ("ru", "ru_RU", "en_US", "zh", "de"):
    err = ctypes.c_int(0)
    ucol_open = getattr(i18n, "ucol_open_" + version)
    ucol_open.restype = ctypes.c_void_p
    opened[locale] = (err.value if ucol_open(locale.encode(), ctypes.byref(err)) else "failed") or err.value
print(json.dumps(opened))
"""

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not ICU_DATA, reason="PySide6's ICU libraries are Linux's"
)


def _icudata() -> ModuleType:
    spec = importlib.util.spec_from_file_location("icudata", ROOT / "installer" / "icudata.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


icudata = _icudata()


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("icudt73l/ru.res", True),
        ("icudt73l/en_GB.res", True),
        ("icudt73l/coll/ru.res", True),
        ("icudt73l/coll/root.res", True),
        ("icudt73l/coll/ucadata.icu", True),
        ("icudt73l/zone/tzdbNames.res", True),
        ("icudt73l/res_index.res", True),
        ("icudt73l/curr/pool.res", True),
        ("icudt73l/supplementalData.res", True),
        ("icudt73l/brkitr/word.brk", True),
        ("icudt73l/coll/zh.res", False),
        ("icudt73l/de_.res", False),
        ("icudt73l/sr_Latn_BA.res", False),
        ("icudt73l/ibm-1047_P100-1995.cnv", False),
        ("icudt73l/brkitr/cjdict.dict", False),
        ("icudt73l/translit/root.res", False),
    ],
)
def test_what_is_kept(name: str, kept: bool) -> None:
    assert icudata.keep(name) is kept


def test_a_package_written_again_holds_the_same_items() -> None:
    library = ICU_DATA[0]
    _symbol, offset, size = icudata._symbol(library)
    data = library.read_bytes()[offset : offset + size]
    original = icudata.items(data)
    header_size = int.from_bytes(data[:2], "little")
    assert icudata.items(icudata.package(data[:header_size], original)) == original
    assert len(original) > 3000


@pytest.mark.skipif(bool(icudata.binutils_missing()) and not os.environ.get("CI"), reason="needs binutils")
def test_the_trimmed_library_serves_russian_and_english_and_falls_back_for_the_rest(tmp_path: Path) -> None:
    library = ICU_DATA[0]
    version = library.name.rsplit(".", 1)[1]
    trimmed = icudata.trim_icu_data(library, tmp_path / "icu")
    assert trimmed.name == library.name
    assert trimmed.stat().st_size < library.stat().st_size / 4
    for name in (f"libicuuc.so.{version}", f"libicui18n.so.{version}"):
        (tmp_path / "icu" / name).symlink_to(QT_LIB / name)

    def probe(folder: Path) -> str:
        env = {**os.environ, "LD_LIBRARY_PATH": str(folder)}
        result = subprocess.run(
            [sys.executable, "-c", PROBE, version], env=env, capture_output=True, text=True, check=True, timeout=60
        )
        return result.stdout.strip()

    assert probe(tmp_path / "icu") == '{"ru": 0, "ru_RU": -128, "en_US": -127, "zh": -127, "de": -127}'
    # The whole data, for comparison: Chinese has a collation of its own there.
    assert '"zh": 0' in probe(QT_LIB)
