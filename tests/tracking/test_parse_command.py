"""`scanstation parse`, run as a real process and through main()."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scanstation.cli import main


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanstation", "parse", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_scans_with_escapes_one_json_object_each() -> None:
    result = _run("--escapes", r"]C142078745\x1d9400111206206406260787\r\n", r"\u00021Z999AA10123456784\u0003", "420")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    first, second, third = lines
    assert first == {
        "raw": "]C142078745\x1d9400111206206406260787\r\n",
        "tracking_number": "9400111206206406260787",
        "carrier": "usps",
        "keys": ["00111206206406260787", "9400111206206406260787"],
        "symbology": "]C1",
        "note": None,
    }
    assert second["tracking_number"] == "1Z999AA10123456784"
    assert second["carrier"] == "ups"
    assert third["keys"] == []
    assert third["tracking_number"] is None


def test_without_escapes_backslashes_are_literal() -> None:
    result = _run(r"]C142078745\x1d9400111206206406260787")
    record = json.loads(result.stdout)
    assert record["raw"] == "]C142078745\\x1d9400111206206406260787"
    assert record["keys"] == []


def test_typed_from_stdin_one_input_per_line() -> None:
    result = _run("--typed", stdin="1z999aa10123456784 (shoes)\n9400 1112 0620 6406 2607 87, TBA123456789012\n\n")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["tracking_number"] for r in records] == ["1Z999AA10123456784", "9400111206206406260787", None]
    assert "TBA123456789012" in records[1]["keys"]
    assert records[2]["keys"] == []


def test_scans_from_stdin_keep_control_characters_but_not_the_line_end() -> None:
    result = _run(stdin="]C142078745\x1d9400111206206406260787\r\n")
    record = json.loads(result.stdout)
    assert record["raw"] == "]C142078745\x1d9400111206206406260787"
    assert record["carrier"] == "usps"


def test_bad_escape_is_reported_and_the_rest_still_printed(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["parse", "--escapes", r"bad\x1", "1Z999AA10123456784"])
    out, err = capsys.readouterr()
    assert status == 2
    assert "bad escape" in err
    assert json.loads(out)["carrier"] == "ups"
