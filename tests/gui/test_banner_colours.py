"""Outcomes told apart without colour: backgrounds apart in brightness (to colour-blind eyes too), six sounds."""

from __future__ import annotations

import hashlib
import itertools
import wave
from pathlib import Path

import pytest

from scanstation.domain import Outcome
from scanstation.gui.resources import sounds_dir
from scanstation.gui.texts import COLOURS

OUTCOMES = tuple(Outcome)

# Machado, Oliveira and Fernandes (2009), severity 1.0, applied to linear RGB.
DEUTERANOPIA = ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881))
PROTANOPIA = ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998))


def _linear(colour: str) -> tuple[float, float, float]:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    h = colour.lstrip("#")
    r, g, b = (channel(int(h[i : i + 2], 16)) for i in (0, 2, 4))
    return r, g, b


def _luminance(rgb: tuple[float, float, float]) -> float:
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]


def _simulated(colour: str, matrix: tuple[tuple[float, float, float], ...]) -> float:
    rgb = _linear(colour)
    seen = [min(1.0, max(0.0, sum(row[i] * rgb[i] for i in range(3)))) for row in matrix]
    return _luminance((seen[0], seen[1], seen[2]))


def _ratio(a: float, b: float) -> float:
    """WCAG 2 contrast ratio of two relative luminances."""
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def test_luminance_and_ratio_match_the_wcag_reference_values() -> None:
    assert _ratio(_luminance(_linear("#ffffff")), _luminance(_linear("#000000"))) == pytest.approx(21.0)
    # The pairs the issue measured on the old colours: matched vs unknown 1.26, matched vs invalid 1.16.
    assert _ratio(_luminance(_linear("#1b8a2f")), _luminance(_linear("#c62828"))) == pytest.approx(1.26, abs=0.01)
    assert _ratio(_luminance(_linear("#1b8a2f")), _luminance(_linear("#6d6d6d"))) == pytest.approx(1.16, abs=0.01)


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(OUTCOMES, 2)))
def test_every_pair_of_outcome_backgrounds_differs_in_brightness(a: Outcome, b: Outcome) -> None:
    ratio = _ratio(_luminance(_linear(COLOURS[a][0])), _luminance(_linear(COLOURS[b][0])))
    assert ratio >= 1.5, f"{a} and {b}: {ratio:.2f}:1"


@pytest.mark.parametrize("matrix", [DEUTERANOPIA, PROTANOPIA], ids=["deuteranopia", "protanopia"])
@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(OUTCOMES, 2)))
def test_the_pairs_still_differ_in_brightness_to_a_colour_blind_eye(
    a: Outcome, b: Outcome, matrix: tuple[tuple[float, float, float], ...]
) -> None:
    ratio = _ratio(_simulated(COLOURS[a][0], matrix), _simulated(COLOURS[b][0], matrix))
    assert ratio >= 1.3, f"{a} and {b}: {ratio:.2f}:1"


@pytest.mark.parametrize("key", sorted(COLOURS))
def test_text_on_every_banner_is_readable(key: str) -> None:
    background, text = COLOURS[key]
    ratio = _ratio(_luminance(_linear(background)), _luminance(_linear(text)))
    assert ratio >= 4.5, f"{key}: {ratio:.2f}:1"


def _read(path: Path) -> tuple[bytes, float, int]:
    with wave.open(str(path), "rb") as sound:
        frames = sound.readframes(sound.getnframes())
        return frames, sound.getnframes() / sound.getframerate(), sound.getframerate()


def _signature(frames: bytes, rate: int) -> tuple[int, ...]:
    """The sound's rhythm and pitch: zero crossings per 20 ms window (silence is 0)."""
    samples = [int.from_bytes(frames[i : i + 2], "little", signed=True) for i in range(0, len(frames), 2)]
    window = rate // 50
    out = []
    for start in range(0, len(samples) - window, window):
        part = samples[start : start + window]
        out.append(sum(1 for x, y in itertools.pairwise(part) if (x < 0) != (y < 0)))
    return tuple(out)


def test_each_outcome_has_a_sound_of_its_own() -> None:
    folder = sounds_dir()
    read = {o: _read(folder / f"{o.value}.wav") for o in OUTCOMES}
    digests = {o: hashlib.sha256(frames).hexdigest() for o, (frames, _s, _r) in read.items()}
    assert len(set(digests.values())) == len(OUTCOMES), digests
    # Not only different bytes: told apart by ear, in rhythm and pitch (not a copy at another volume).
    signatures = {o: _signature(frames, rate) for o, (frames, _s, rate) in read.items()}
    assert len(set(signatures.values())) == len(OUTCOMES)
    durations = {o: round(seconds, 2) for o, (_f, seconds, _r) in read.items()}
    assert all(0.1 <= d <= 0.8 for d in durations.values()), durations  # short: a scan every two seconds


def test_the_checked_in_sounds_are_the_ones_make_sounds_writes(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_sounds", sounds_dir() / "make_sounds.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for path in module.write_all(tmp_path):
        assert path.read_bytes() == (sounds_dir() / path.name).read_bytes(), f"{path.name}: run make_sounds.py"
