"""Reads the config file once and validates it, by the declarations in settings.py, into a Config."""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scanstation import paths
from scanstation.config.model import (
    CONFIG_ENV,
    Config,
    ConfigError,
    raise_errors,
    token_error_of,
)
from scanstation.config.reader import MAX_FILE_BYTES, read_regular_file
from scanstation.config.settings import SECTIONS, SectionReader


def parse_config(
    data: Mapping[str, Any], source: str = "", *, token_environ: Mapping[str, str] | None = None
) -> Config:
    """Validate a parsed TOML document into a Config, or raise ConfigError (ConfigErrors for several).

    With `token_environ`, a server without a usable token there or in the file is one of the mistakes.
    """
    problems: list[ConfigError] = []
    base = Path(source).parent if source else Path.cwd()
    taken: set[str] = set()
    values: dict[str, Any] = {}
    for spec in SECTIONS:
        if not spec.many:
            sec = SectionReader(spec, data.get(spec.name, {}), spec.name, source, problems, base=base, taken=taken)
            values[spec.name] = spec.read(sec)
            if spec.name == "server" and token_environ is not None and sec.clean:
                token_error = token_error_of(values["server"], token_environ, source)
                if token_error is not None:
                    problems.append(token_error)
            continue
        blocks = data.get(spec.name, [])
        if not isinstance(blocks, list):
            fix = "write each scanner as a [[scanners]] block"
            problems.append(ConfigError(spec.name, "must be an array of tables", fix, source))
            blocks = []
        values[spec.name] = tuple(
            spec.read(SectionReader(spec, block, f"{spec.name}[{i}]", source, problems, base=base, taken=taken))
            for i, block in enumerate(blocks)
        )

    known = sorted(spec.name for spec in SECTIONS)
    for name in sorted(set(data) - set(known)):
        close = difflib.get_close_matches(name, known, n=1)
        fix = f"did you mean [{close[0]}]?" if close else "remove it (see config.example.toml)"
        problems.append(ConfigError(name, "is not a known section", fix, source))

    raise_errors(problems)
    return Config(**values, source=source)


def config_search_paths(
    explicit: str | os.PathLike[str] | None, environ: Mapping[str, str] | None = None
) -> tuple[Path, ...]:
    """Where the config file is looked for, in order: --config, else SCANSTATION_CONFIG, else user then system."""
    env = os.environ if environ is None else environ
    if explicit:
        return (Path(explicit),)
    if env.get(CONFIG_ENV):
        return (Path(env[CONFIG_ENV]),)
    return paths.config_search_paths()


def resolve_config_path(explicit: str | os.PathLike[str] | None, environ: Mapping[str, str] | None = None) -> Path:
    """--config wins, then SCANSTATION_CONFIG, then the user's config directory, then the system's."""
    candidates = config_search_paths(explicit, environ)
    return next((path for path in candidates if os.path.lexists(path)), candidates[0])


def load_config(
    explicit: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    require_token: bool = False,
) -> Config:
    """Read and validate the config file; every failure is a ConfigError naming the fix.

    `require_token`: a server url without a usable token (in the file or `environ`) is a mistake too.
    """
    candidates = config_search_paths(explicit, environ)
    path = resolve_config_path(explicit, environ)
    looked = " nor ".join(str(candidate) for candidate in candidates)
    text = read_config_text(path, missing=f"no config file: neither {looked} exists" if len(candidates) > 1 else "")
    token_environ = (os.environ if environ is None else environ) if require_token else None
    return parse_config_text(text, str(path), token_environ=token_environ)


def read_config_text(path: Path, *, missing: str = "") -> str:
    """The text of the config file at `path`, or a ConfigError saying why it cannot be read (`missing`: when absent)."""
    try:
        data = read_regular_file(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise ConfigError(
            "(file)",
            missing or f"{path} does not exist",
            "copy config.example.toml there, or pass --config PATH or set SCANSTATION_CONFIG",
        ) from None
    except OSError as exc:
        raise ConfigError(
            "(file)", f"cannot read {path}: {exc.strerror}", "check the path and its permissions"
        ) from None
    except ValueError as exc:
        raise ConfigError("(file)", f"{path} {exc}", "give the path of the config.toml file itself") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("(file)", f"{path} is not UTF-8 text", "save it as UTF-8") from None


def parse_config_text(text: str, source: str, *, token_environ: Mapping[str, str] | None = None) -> Config:
    """Validate the text of a config file (as load_config reads one, with its messages) into a Config."""
    return parse_config(read_toml(text, source), source, token_environ=token_environ)


def read_toml(text: str, source: str) -> dict[str, Any]:
    """The TOML document in `text` as plain values, or a ConfigError naming the line that is not TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            "(syntax)", f"{source} is not valid TOML ({exc})", "correct the line named; strings need double quotes"
        ) from None
    except RecursionError:
        raise ConfigError(
            "(syntax)",
            f"{source} nests arrays or inline tables too deeply to read",
            "no setting nests more than two levels: correct the brackets",
        ) from None
