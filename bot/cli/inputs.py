"""Reading the CLI's inputs: a file path, or ``-`` for standard input."""

from __future__ import annotations

import sys
from pathlib import Path


def read_bytes(path: str) -> bytes:
    """The bytes of a file, or of standard input for ``-``; OSError when unreadable."""
    return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()


def read_lines(path: str) -> list[str]:
    """The UTF-8 lines of a file or standard input; OSError or UnicodeDecodeError when not."""
    return read_bytes(path).decode("utf-8").splitlines()
