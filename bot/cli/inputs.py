"""Reading the CLI's inputs: a file path, or ``-`` for standard input."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from bot.messages import Problem, Refused
from bot.nlp.cleaning import CleanedText
from bot.services.ingest import clean_raw
from bot.sources.documents import Rejected, read_document


def read_bytes(path: str) -> bytes:
    """The bytes of a file, or of standard input for ``-``; OSError when unreadable."""
    return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()


def read_lines(path: str) -> list[str]:
    """The UTF-8 lines of a file or standard input; OSError or UnicodeDecodeError when not."""
    return read_bytes(path).decode("utf-8").splitlines()


class InputError(Refused):
    """An input the CLI cannot use; its refusal says why (bot/messages.py words it)."""


def read_cleaned(path: str) -> CleanedText:
    """The cleaned story text of a file or standard input, read as ``ingest`` reads it: HTML
    by article extraction, a one-record JSON file by its text field, anything else as a paste."""
    try:
        raws = read_document("" if path == "-" else path, read_bytes(path))
        if len(raws) != 1:
            raise InputError(Problem.MANY_STORIES_IN_FILE, path=path, count=len(raws))
        cleaned, _site = clean_raw(raws[0])
        return replace(cleaned, title=raws[0].title or cleaned.title)
    except OSError as error:
        raise InputError(Problem.CANT_READ_FILE, path=path, why=error.strerror) from error
    except Rejected as error:
        raise InputError(error.refusal) from error
