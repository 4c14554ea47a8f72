"""Packaging metadata that keeps building: the licence as an SPDX string (a TOML table stops building in 2027)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


def test_the_licence_is_an_spdx_expression_with_a_setuptools_that_reads_it() -> None:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    license_ = project["project"]["license"]
    assert isinstance(license_, str), "project.license as a table is deprecated and stops building on 2027-02-18"
    assert re.fullmatch(r"LicenseRef-[A-Za-z0-9.-]+|[A-Za-z0-9.+-]+( (AND|OR) [A-Za-z0-9.+-]+)*", license_)
    requires = " ".join(project["build-system"]["requires"])
    minimum = re.search(r"setuptools>=(\d+)", requires)
    assert minimum is not None and int(minimum.group(1)) >= 77, "SPDX licence strings need setuptools 77 or newer"
