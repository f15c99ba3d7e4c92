"""A throwaway PostgreSQL server for the tests: initdb in a temporary folder, pg_ctl start,
and a fresh schema per test, so the store's tests run against a real server.

PostgreSQL refuses to run as root, so under root (containers, CI) the server runs as the
``postgres`` user the distribution's package creates (or ``nobody``), through ``runuser``.
The binaries come from $STORYBOT_PG_BIN or /usr/lib/postgresql/15/bin (or the newest
/usr/lib/postgresql/*/bin, where the distribution ships another version); without them the
PostgreSQL tests skip, except under CI ($CI set), where they fail: .ci/run installs them.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


def _find_binaries() -> Path:
    """$STORYBOT_PG_BIN, else PostgreSQL 15's folder, else the newest one installed."""
    if os.environ.get("STORYBOT_PG_BIN"):
        return Path(os.environ["STORYBOT_PG_BIN"])
    preferred = Path("/usr/lib/postgresql/15/bin")
    if preferred.is_dir():
        return preferred
    installed = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int("0" + p.parent.name)
    )
    return installed[-1] if installed else preferred


PG_BIN = _find_binaries()


def available() -> bool:
    return (PG_BIN / "initdb").is_file() and (PG_BIN / "pg_ctl").is_file()


def _server_user() -> str | None:
    """Who runs the server: None for the current user, unless that is root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root and no 'postgres' or 'nobody' user to run PostgreSQL")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """A server in its own temporary folder, listening on a Unix socket there."""

    def __init__(self) -> None:
        self.user = _server_user()
        self.folder = Path(tempfile.mkdtemp(prefix="storybot-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.role = "storybot"
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self.folder.chmod(0o755)

    def _run(self, *command: str) -> None:
        argv = list(command)
        if self.user is not None:
            argv = ["runuser", "-u", self.user, "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, cwd=self.folder)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.role,
            "--auth=trust",
            "--locale=C",
            "--encoding=UTF8",
        )
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "server.log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def url(self, schema: str | None = None) -> str:
        """The URL of the server's ``postgres`` database (in its own schema, if given)."""
        url = f"postgresql://{self.role}@/postgres?host={self.folder}&port={self.port}"
        if schema:
            url += f"&options=-csearch_path%3D{schema}"
        return url

    def fresh_url(self) -> str:
        """A URL whose tables live in a new, empty schema: one database per test, cheaply."""
        import psycopg

        schema = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
        return self.url(schema)

    def stop(self) -> None:
        try:
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
