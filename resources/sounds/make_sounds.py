"""Generate the station's outcome sounds as short 16-bit mono WAVs with the standard library only."""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

RATE = 22050
# (frequency Hz, duration s, waveform); 0 Hz is silence. Each outcome is told apart by rhythm and pitch,
# not only by pitch, because a warehouse is noisy and some clerks hear high tones badly.
SOUNDS: dict[str, list[tuple[float, float, str]]] = {
    # one bright rising chirp: everything is fine, put the parcel on the shelf
    "matched": [(880, 0.07, "sine"), (1320, 0.12, "sine")],
    # two equal mid beeps: seen before
    "duplicate": [(660, 0.09, "sine"), (0, 0.06, "sine"), (660, 0.09, "sine")],
    # a long falling low tone: unknown shelf
    "unknown": [(520, 0.15, "square"), (390, 0.15, "square"), (260, 0.25, "square")],
    # a warble between two pitches: one of several customers, a person must look
    "ambiguous": [(700, 0.08, "square"), (500, 0.08, "square")] * 3,
    # three hard low knocks, the last one longer: stop, do not shelve it
    "not_expected": [
        (330, 0.1, "triangle"),
        (0, 0.07, "sine"),
        (330, 0.1, "triangle"),
        (0, 0.07, "sine"),
        (220, 0.3, "triangle"),
    ],
    # one short low buzz: scan again
    "invalid": [(180, 0.22, "square")],
    # a soft double tick: a parcel was matched later by sync
    "notice": [(1000, 0.03, "sine"), (0, 0.05, "sine"), (1000, 0.03, "sine")],
}


def _samples(freq: float, seconds: float, shape: str) -> list[int]:
    count = int(RATE * seconds)
    fade = min(count // 2, int(RATE * 0.005))  # 5 ms ramps so tones do not click
    out = []
    for i in range(count):
        if freq == 0:
            value = 0.0
        else:
            phase = math.sin(2 * math.pi * freq * i / RATE)
            if shape == "sine":
                value = phase
            elif shape == "triangle":  # rich in odd harmonics, heard through a noisy dock better than a sine
                value = 2 / math.pi * math.asin(phase)
            else:
                value = 0.6 if phase >= 0 else -0.6
        gain = min(1.0, i / fade, (count - 1 - i) / fade) if fade else 1.0
        out.append(int(12000 * value * gain))
    return out


def write_all(folder: Path) -> list[Path]:
    written = []
    for name, parts in SOUNDS.items():
        frames = [s for freq, seconds, shape in parts for s in _samples(freq, seconds, shape)]
        path = folder / f"{name}.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(struct.pack(f"<{len(frames)}h", *frames))
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    for path in write_all(target):
        print(path)
