"""Outcome sounds behind a tiny interface; where audio is unavailable it says so and the banner flashes."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scanstation.gui import qt
from scanstation.gui.resources import sounds_dir

log = logging.getLogger(__name__)

OFF_REASON = "sound is off in the config"
SOUND_NAMES = ("matched", "duplicate", "unknown", "ambiguous", "not_expected", "invalid", "notice")


class Sounds(qt.QObject):
    """Plays one short WAV per outcome with QSoundEffect.

    `play(name)` returns True only when a sound really started. It returns False (and the caller
    flashes instead) when sound is off in the config, QtMultimedia is missing, there is no audio
    output, or the effect went to the Error status (no sound server, unsupported device). Nothing
    here raises: a station without speakers is a normal station.
    """

    availability_changed = qt.Signal(bool)

    def __init__(
        self,
        enabled: bool = True,
        folder: Path | None = None,
        parent: qt.QObject | None = None,
        *,
        check_devices: bool = True,
        volume: int = 100,
    ) -> None:
        super().__init__(parent)
        self._folder = folder
        self._check_devices = check_devices
        self._effects: dict[str, Any] = {}  # QSoundEffect, when QtMultimedia exists
        self._broken: set[str] = set()
        self._reason = ""
        self._available = False
        self._loaded = False
        self._load_reason = ""  # why loading left no sound, for switching sound back on
        self.enabled = enabled
        self.volume = max(0, min(100, volume))
        if enabled:
            self._load()
        else:
            self._reason = OFF_REASON

    def set_volume(self, percent: int) -> None:
        """Loudness of every verdict sound, 0 to 100 (the admin's settings), applied to the next sound played."""
        self.volume = max(0, min(100, percent))
        for effect in self._effects.values():
            effect.setVolume(self.volume / 100.0)

    def set_enabled(self, enabled: bool) -> None:
        """Sound switched on or off while the station runs (the admin's settings); the status bar is told."""
        if enabled == self.enabled:
            return
        self.enabled = enabled
        if not enabled:
            self._available = False
            self._reason = OFF_REASON
        elif self._loaded:
            self._available = bool(self._effects) and self._broken < set(self._effects)
            self._reason = "" if self._available else self._load_reason
        else:
            self._load()
        self.availability_changed.emit(self._available)

    def _load(self) -> None:
        self._loaded = True
        self._reason = ""
        if qt.QSoundEffect is None or qt.QMediaDevices is None:
            self._reason = "QtMultimedia is not installed"
            self._load_reason = self._reason
            return
        try:
            # Listing devices answers at once; without the check, QSoundEffect finds out by going to Error.
            if self._check_devices and not qt.QMediaDevices.audioOutputs():
                self._reason = "no audio output device"
                self._load_reason = self._reason
                return
        except Exception as exc:  # a broken multimedia backend must not stop the station
            self._reason = f"audio devices cannot be listed: {exc}"
            self._load_reason = self._reason
            return
        folder = self._folder or sounds_dir()
        for name in SOUND_NAMES:
            path = folder / f"{name}.wav"
            if not path.is_file():
                log.warning("sound file missing: %s", path)
                continue
            effect = qt.QSoundEffect(self)
            effect.setVolume(self.volume / 100.0)
            self._effects[name] = effect
            effect.statusChanged.connect(lambda name=name: self._status_changed(name))
            effect.setSource(qt.QUrl.fromLocalFile(str(path)))
        self._available = bool(self._effects)
        if not self._available:
            self._reason = "no sound files"
        self._load_reason = self._reason
        # Once the audio backend has failed in this process, setSource fails at once, before any signal.
        for name in list(self._effects):
            self._status_changed(name)

    @property
    def available(self) -> bool:
        return self._available

    @property
    def reason(self) -> str:
        """Why sound is unavailable, in words for the log and the status bar ("" when it works)."""
        return self._reason

    def _status_changed(self, name: str) -> None:
        effect = self._effects.get(name)
        if effect is not None and effect.status() == qt.QSoundEffect.Status.Error:
            self._broken.add(name)
            if self._broken >= set(self._effects):
                self._load_reason = "the audio device refused to play (no sound server?)"
            if self._available and self._broken >= set(self._effects):
                self._available = False
                self._reason = self._load_reason
                log.warning("sound unavailable: %s; the banner flashes instead", self._reason)
                self.availability_changed.emit(False)

    def play(self, name: str) -> bool:
        """Start the sound for `name`; False when nothing will be heard."""
        if not self._available or name in self._broken:
            return False
        effect = self._effects.get(name)
        if effect is None:
            return False
        try:
            effect.play()
        except Exception:  # pragma: no cover - defensive: Qt raised from a backend
            log.exception("playing %s failed", name)
            return False
        # Still loading (the first seconds after start) counts as "not sure to be heard": the caller also
        # flashes, which is harmless if the sound then plays too.
        return bool(effect.status() == qt.QSoundEffect.Status.Ready)
