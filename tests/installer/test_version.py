"""The version is written once, in scanstation/__init__.py: the package metadata and `--version` read it there."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import scanstation
from scanstation.cli import main

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


def test_pyproject_takes_the_version_from_the_package() -> None:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    assert "version" not in config["project"], "a second version in pyproject.toml would drift from __version__"
    assert "version" in config["project"]["dynamic"]
    assert config["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "scanstation.__version__"}


def test_the_command_line_says_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"scanstation {scanstation.__version__}\n"


def test_a_start_imports_only_the_command_it_runs() -> None:
    # Every start, the scan screen's included, paid for every command's imports before: keep the start light.
    import os
    import subprocess
    import sys

    code = (
        "import sys\nfrom scanstation.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('scanstation.commands.')))"
    )
    env = {**os.environ, "PYTHONPATH": str(PYPROJECT.parent)}

    def imported(*argv: str) -> str:
        run = subprocess.run([sys.executable, "-c", code, *argv], env=env, capture_output=True, text=True, timeout=60)
        return run.stdout.strip().splitlines()[-1]

    assert imported("--version") == "[]"
    assert imported("parse", "--help") == "['scanstation.commands.parse']"
