"""The real PostgreSQL of this machine for tests, and a TCP proxy that can cut it off.

`TEST_POSTGRES_URL` (default postgresql://postgres@127.0.0.1:5432/test) names a server and a
database to connect through; each test gets a database of its own, created and dropped here. A
stopped local cluster is started with pg_ctlcluster; where none can be had the tests skip, saying why.
"""

import os
import socket
import subprocess
import threading
import uuid
from contextlib import suppress
from pathlib import Path

import psycopg
import pytest

SERVER_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _try_connect(url: str) -> str | None:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


def _start_local_cluster() -> None:
    versions = sorted(p.name for p in Path("/etc/postgresql").glob("*")) if Path(
        "/etc/postgresql").is_dir() else []
    if versions:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main",
                        "start"], capture_output=True, timeout=60)


def server_url() -> str:
    """A reachable server's URL, or pytest.skip with the reason."""
    url = os.environ.get("TEST_POSTGRES_URL", SERVER_URL)
    error = _try_connect(url)
    if error is not None:
        _start_local_cluster()
        error = _try_connect(url)
    if error is not None:
        pytest.skip(f"no PostgreSQL reachable at {url} (and pg_ctlcluster could not start one): "
                    f"{error}")
    return url


def with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def create_database(url: str) -> str:
    name = f"beat_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(url: str, name: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class TcpProxy:
    """127.0.0.1:<port> -> target. `down()` drops every open connection and closes each new one at
    once (the remote is unreachable); `up()` lets traffic through again."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._up = True
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            for s in (client, upstream):  # no Nagle delay on small protocol messages
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        with suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        for s in (src, dst):
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def down(self) -> None:
        self._up = False
        with self._lock:
            for s in self._open:
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            self._open.clear()

    def up(self) -> None:
        self._up = True

    def close(self) -> None:
        self.down()
        self._listener.close()


def proxied(url: str) -> tuple[TcpProxy, str]:
    """A proxy in front of the server `url` names, and the same URL through it."""
    host_port = url.split("@", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    proxy = TcpProxy(host, int(port))
    return proxy, url.replace(host_port, f"127.0.0.1:{proxy.port}")
