"""ICU's data library cut to what the station's Qt uses: the English and Russian locales, no converters or dictionaries.

Qt's ICU (PySide6 ships libicudata.so.73, 31 MB, the data of every locale) is used by QtCore for collation and
case mapping, and by nothing else the station does: the station's text is Unicode, its locale data is Qt's own.
`trim_icu_data` rebuilds the library with the items `keep` accepts: the same common-data package (ICU's "CmnD"
format), behind the same exported symbol, made with binutils (objcopy, ld), which PyInstaller needs anyway.
A locale left out falls back to ICU's root data, as an unknown one always does.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

LANGUAGES = ("en", "ru")  # the station's languages: their locales (and every region of them) are kept
# Large and of no use to Qt's calls: legacy code-page converters, word dictionaries for scripts without spaces
# (Chinese, Japanese, Thai, Khmer, Lao, Burmese), transliteration rules.
_DROPPED_KINDS = (".cnv", ".dict")
_DROPPED_TREES = ("translit",)
_LOCALE = re.compile(r"[a-z]{2,3}(_[A-Za-z0-9]*)*")
_ALIGN = 16


def keep(name: str) -> bool:
    """Whether an item of the package ("icudt73l/coll/ru.res") stays: all but other languages' locales and the above."""
    parts = name.split("/")[1:]  # without the package name
    item = parts[-1]
    if item.endswith(_DROPPED_KINDS) or parts[0] in _DROPPED_TREES:
        return False
    stem, _, suffix = item.rpartition(".")
    if suffix != "res" or stem in ("root", "pool", "res_index") or not _LOCALE.fullmatch(stem):
        return True  # shared data (the collation table, break rules, time zones, plural rules, ...)
    return stem.split("_")[0] in LANGUAGES


def items(data: bytes) -> list[tuple[str, bytes]]:
    """The (name, bytes) items of an ICU common-data package, in its order (sorted by name, as ICU searches)."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", data, 0)
    if (magic1, magic2) != (0xDA, 0x27) or data[12:16] != b"CmnD":
        raise ValueError("not an ICU common data package")
    count = struct.unpack_from("<I", data, header_size)[0]
    toc = [struct.unpack_from("<II", data, header_size + 4 + 8 * i) for i in range(count)]
    found = []
    for i, (name_at, data_at) in enumerate(toc):
        end = toc[i + 1][1] if i + 1 < count else len(data) - header_size
        name = data[header_size + name_at : data.index(b"\0", header_size + name_at)].decode("ascii")
        found.append((name, data[header_size + data_at : header_size + end]))
    return found


def package(header: bytes, kept: list[tuple[str, bytes]]) -> bytes:
    """A common-data package of `kept` behind `header` (the original's: format, version, endianness)."""

    def pad(n: int) -> int:
        return -n % _ALIGN

    names = b"".join(name.encode("ascii") + b"\0" for name, _ in kept)
    toc_size = 4 + 8 * len(kept)
    first = toc_size + len(names)
    first += pad(len(header) + first)
    offsets, at = [], first
    for _, blob in kept:
        offsets.append(at)
        at += len(blob) + pad(len(blob))
    toc = bytearray(struct.pack("<I", len(kept)))
    name_at = toc_size
    for (name, _), data_at in zip(kept, offsets, strict=True):
        toc += struct.pack("<II", name_at, data_at)
        name_at += len(name) + 1
    body = bytearray(toc + names)
    body += b"\0" * (first - len(body))
    for _, blob in kept:
        body += blob + b"\0" * pad(len(blob))
    return header + bytes(body)


def _symbol(library: Path) -> tuple[str, int, int]:
    """The data symbol (icudtNN_dat), its file offset and size, from binutils' view of the library."""
    symbols = subprocess.run(["objdump", "-T", str(library)], check=True, capture_output=True, text=True).stdout
    found = re.search(r"^([0-9a-f]+)\s.*\s(\.rodata)\s+([0-9a-f]+)\s+(?:Base\s+)?(icudt\d+_dat)$", symbols, re.M)
    if found is None:
        raise ValueError(f"{library} exports no icudtNN_dat")
    address, size, name = int(found.group(1), 16), int(found.group(3), 16), found.group(4)
    sections = subprocess.run(["objdump", "-h", str(library)], check=True, capture_output=True, text=True).stdout
    row = re.search(r"\s\.rodata\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", sections)
    if row is None:
        raise ValueError(f"{library} has no .rodata section")
    return name, address - int(row.group(1), 16) + int(row.group(2), 16), size


def trim_icu_data(library: Path, out_dir: Path) -> Path:
    """A copy of `library` (libicudataNN) in `out_dir` holding only the items `keep` accepts; the same soname."""
    symbol, offset, size = _symbol(library)
    with library.open("rb") as f:
        f.seek(offset)
        data = f.read(size)
    header_size = struct.unpack_from("<H", data, 0)[0]
    trimmed = package(data[:header_size], [(n, b) for n, b in items(data) if keep(n)])
    out_dir.mkdir(parents=True, exist_ok=True)
    dat = out_dir / f"{symbol.removesuffix('_dat')}.dat"
    dat.write_bytes(trimmed)
    fmt = subprocess.run(["objdump", "-f", str(library)], check=True, capture_output=True, text=True).stdout
    found = re.search(r"file format (\S+)", fmt), re.search(r"architecture: ([^,\s]+)", fmt)
    if found[0] is None or found[1] is None:
        raise ValueError(f"objdump cannot tell the format of {library}")
    obj = dat.with_suffix(".o")
    # objcopy names the symbol after the file's path: run it in out_dir, on the bare file name.
    mangled = "_binary_" + re.sub(r"[^A-Za-z0-9]", "_", dat.name) + "_start"
    subprocess.run(
        [
            "objcopy",
            "-I",
            "binary",
            "-O",
            found[0].group(1),
            "-B",
            found[1].group(1),
            "--rename-section",
            ".data=.rodata,alloc,load,readonly,data,contents",
            "--set-section-alignment",
            f".rodata={_ALIGN}",
            "--redefine-sym",
            f"{mangled}={symbol}",
            dat.name,
            obj.name,
        ],
        check=True,
        cwd=out_dir,
    )
    out = out_dir / library.name
    soname = _soname(library)
    subprocess.run(["ld", "-shared", "-soname", soname, "-o", str(out), str(obj)], check=True)
    return out


def _soname(library: Path) -> str:
    dynamic = subprocess.run(["objdump", "-p", str(library)], check=True, capture_output=True, text=True).stdout
    found = re.search(r"SONAME\s+(\S+)", dynamic)
    return found.group(1) if found else library.name


def binutils_missing() -> list[str]:
    return [tool for tool in ("objdump", "objcopy", "ld") if shutil.which(tool) is None]
