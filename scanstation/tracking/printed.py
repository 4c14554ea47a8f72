"""A tracking number as carriers print it under the bars: in groups of four."""

from __future__ import annotations

__all__ = ["printed"]


def printed(number: str, size: int = 4, sep: str = " ") -> str:
    """`number` in groups of `size` characters ("1Z3G GU37 4297 2147 63"), the way a person reads it off a label."""
    return sep.join(number[i : i + size] for i in range(0, len(number), size))
