"""The park's own network backend (plain asyncio under httpcore): the same answers and the
same errors as httpx's default one, over real loopback sockets, TLS included."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import httpcore
import httpx
import pytest

from bot.adapters.kumomta import HttpPark, KumoHttpReader, RetryPolicy, UpstreamTimeout
from bot.adapters.kumomta.netbackend import AsyncioBackend, asyncio_transport
from bot.adapters.kumomta.prom import parse_metrics
from bot.core.errors import UpstreamUnavailable

from . import recorded
from .fakehttp import FakeServer, Reply, json_reply, refused_url

T = TypeVar("T")
NO_RETRY = RetryPolicy(retries=0)


def _ask(url: str, question: Callable[[KumoHttpReader], Awaitable[T]], *,
         verify: ssl.SSLContext | None = None, timeout: float = 5.0, **kw: Any) -> T:
    """One question over a client whose transport is the park's asyncio one."""
    context = verify or httpx.create_ssl_context()

    async def main() -> T:
        transport = asyncio_transport(verify=context, limits=httpx.Limits())
        async with httpx.AsyncClient(timeout=timeout, transport=transport) as client:
            return await question(KumoHttpReader("mta1", url, client, **kw))

    return asyncio.run(main())


def test_the_parks_clients_run_on_the_asyncio_backend(kumod: FakeServer) -> None:
    park = HttpPark({"mta1": kumod.url})
    try:
        answer = park.ask(lambda r: r.liveness())
        assert answer.results["mta1"].status == 200
        client = park._clients["mta1"]
        pool = client._transport._pool  # type: ignore[attr-defined]
        assert isinstance(pool._network_backend, AsyncioBackend)
    finally:
        park.close()


def test_with_a_proxy_in_the_environment_the_default_transport_stays(
        kumod: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    park = HttpPark({"mta1": kumod.url})
    client = park._client()
    try:
        pool = client._transport._pool  # type: ignore[attr-defined]
        assert not isinstance(getattr(pool, "_network_backend", None), AsyncioBackend)
    finally:
        asyncio.run(client.aclose())
        park.close()


def test_answers_read_as_over_httpx_default_transport(kumod: FakeServer) -> None:
    async def three(reader: KumoHttpReader) -> tuple[Any, ...]:
        return (await reader.metrics(), await reader.bounces(), await reader.liveness())

    samples, bounces, live = _ask(kumod.url, three)
    assert samples == parse_metrics(recorded.SAMPLE_METRICS)
    assert (live.status, live.text) == (200, "OK")
    assert len(bounces) == len(recorded.BOUNCES)


def test_a_kept_connection_the_server_closed_is_replaced(kumod: FakeServer) -> None:
    kumod.route("/api/check-liveness/v1", Reply(200, "OK", headers={"Connection": "close"}))

    async def twice(reader: KumoHttpReader) -> list[int]:
        first = await reader.liveness()
        await asyncio.sleep(0.05)  # the server has closed its end meanwhile
        return [first.status, (await reader.liveness()).status]

    assert _ask(kumod.url, twice, retry=NO_RETRY) == [200, 200]


def test_connection_refused_is_down() -> None:
    with pytest.raises(UpstreamUnavailable) as caught:
        _ask(refused_url(), lambda r: r.liveness(), retry=NO_RETRY)
    assert not isinstance(caught.value, UpstreamTimeout)
    assert "is down" in caught.value.message


def test_an_unknown_host_is_unavailable() -> None:
    with pytest.raises(UpstreamUnavailable):
        _ask("http://no-such-host.invalid:8000", lambda r: r.liveness(), retry=NO_RETRY)


def test_a_slow_answer_is_a_timeout(kumod: FakeServer) -> None:
    kumod.route("/api/admin/bounce/v1", json_reply([], delay=1.0))
    with pytest.raises(UpstreamTimeout, match="timeout"):
        _ask(kumod.url, lambda r: r.bounces(), timeout=0.2, retry=NO_RETRY)


def test_a_peer_that_hangs_up_mid_answer_is_a_failed_connection() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def hang_up() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        conn.close()

    threading.Thread(target=hang_up, daemon=True).start()
    port = listener.getsockname()[1]
    try:
        with pytest.raises(UpstreamUnavailable, match="failed during GET"):
            _ask(f"http://127.0.0.1:{port}", lambda r: r.liveness(), retry=NO_RETRY)
    finally:
        listener.close()


def test_the_backend_maps_a_connect_timeout() -> None:
    async def main() -> None:
        # 192.0.2.1 (TEST-NET-1) never answers; the deadline is what ends the attempt.
        await AsyncioBackend().connect_tcp("192.0.2.1", 9, timeout=0.05)

    with pytest.raises((httpcore.ConnectTimeout, httpcore.ConnectError)):
        asyncio.run(main())


# -- TLS ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True)
    return key, cert


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[str]:
    key, cert = certificate

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_https_with_a_trusted_certificate_answers(
        tls_server: str, certificate: tuple[Path, Path]) -> None:
    trusted = ssl.create_default_context(cafile=str(certificate[1]))
    live = _ask(tls_server, lambda r: r.liveness(), verify=trusted, retry=NO_RETRY)
    assert (live.status, live.text) == (200, "OK")


def test_https_with_an_untrusted_certificate_is_refused(tls_server: str) -> None:
    with pytest.raises(UpstreamUnavailable, match="is down"):
        _ask(tls_server, lambda r: r.liveness(), retry=NO_RETRY)
