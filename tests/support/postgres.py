"""A throwaway PostgreSQL cluster for the tests, from the machine's own PostgreSQL binaries.

``initdb`` refuses to run as root, so as root the cluster belongs to the ``postgres`` user (its
folder is chowned to it and every server command runs through ``runuser``); as anyone else it
belongs to the current user. The server listens only on a unix socket in the cluster's own
temporary folder (no TCP port is opened), runs with ``fsync=off`` (a test cluster needs no
durability), and is stopped with ``immediate`` and removed at the end of the session.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import conninfo

PREFERRED_VERSION = "15"
BINARIES_GLOB = "/usr/lib/postgresql/*/bin"


class PostgresUnavailable(Exception):
    """No PostgreSQL binaries, or a cluster that would not start; the message is one line."""


def find_binaries() -> Path:
    """The folder with ``initdb`` and ``pg_ctl``: PostgreSQL 15 if installed, else the newest."""
    found = sorted(Path("/").glob(BINARIES_GLOB.lstrip("/")), key=lambda p: p.parent.name)
    with_initdb = [folder for folder in found if (folder / "initdb").is_file()]
    preferred = [folder for folder in with_initdb if folder.parent.name == PREFERRED_VERSION]
    if preferred or with_initdb:
        return (preferred or with_initdb)[-1]
    raise PostgresUnavailable(
        f"no initdb in {BINARIES_GLOB} (install the Debian package postgresql-15)"
    )


class PostgresCluster:
    """Start with ``start()``; ``new_database()`` gives a URL to an empty database."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="footbot-pg-"))
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0
        self._names = itertools.count(1)

    def start(self) -> None:
        if self._as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        data = self.folder / "data"
        self._run("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--no-sync")  # fmt: skip
        settings = f"-p {self.port} -k {self.folder} -c listen_addresses='' -c fsync=off"
        log = str(self.folder / "server.log")
        self._run("pg_ctl", "-D", str(data), "-o", settings, "-l", log, "-w", "start")

    def stop(self) -> None:
        with contextlib.suppress(PostgresUnavailable):  # never started: only the folder is left
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.folder}&port={self.port}"

    def new_database(self) -> str:
        name = f"footbot_test_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = conninfo.conninfo_to_dict(url)["dbname"]
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.binaries / program), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise PostgresUnavailable(f"{program} failed: {last[0]}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
