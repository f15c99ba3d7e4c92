"""Reading the CLI's inputs: a file path, or ``-`` for standard input."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.cleaning import CleanedText, clean_text
from bot.documents import Rejected, decode_text


def read_bytes(path: str) -> bytes:
    """The bytes of a file, or of standard input for ``-``; OSError when unreadable."""
    return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()


def read_lines(path: str) -> list[str]:
    """The UTF-8 lines of a file or standard input; OSError or UnicodeDecodeError when not."""
    return read_bytes(path).decode("utf-8").splitlines()


class InputError(Exception):
    """An input the CLI cannot use; the message says why."""


def read_cleaned(path: str) -> CleanedText:
    """The cleaned story text of a file or standard input."""
    try:
        return clean_text(decode_text(read_bytes(path)))
    except OSError as error:
        raise InputError(f"Can't read {path}: {error.strerror}") from error
    except Rejected as error:
        raise InputError(str(error)) from error
