from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509

from events_app.tls import self_signed
from tests.conftest import DEMO_FILES
from tests.factories import cli
from tests.smtp_server import free_port


def test_certificate_covers_the_names_and_is_reused_until_it_needs_renewing(tmp_path: Path) -> None:
    names = ["localhost", "127.0.0.1", "venue-laptop.local", "192.168.1.20"]

    issued = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    cert, key, fingerprint = self_signed(tmp_path, names, now=issued)
    again = self_signed(tmp_path, names, now=issued + timedelta(days=30))
    later = self_signed(tmp_path, names, now=issued + timedelta(days=340))

    certificate = x509.load_pem_x509_certificate(cert.read_bytes())
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost", "venue-laptop.local"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "192.168.1.20"]
    assert again[2] == fingerprint
    assert later[2] != fingerprint
    assert key.stat().st_mode & 0o777 == 0o600


def test_serve_tls_answers_https_with_that_certificate(tmp_path: Path) -> None:
    env = {"EVENTS_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    cli(env, "migrate")
    cli(env, "import", str(DEMO_FILES[0]))
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "events_app.cli", "serve", "--tls", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60  # bounded, but long enough for a start on a busy machine
        while time.monotonic() < deadline and server.poll() is None:
            try:
                context = ssl.create_default_context(cafile=str(tmp_path / "tls" / "cert.pem"))
                with socket.create_connection(("127.0.0.1", port), timeout=2) as raw, \
                        context.wrap_socket(raw, server_hostname="localhost") as secure:
                    secure.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    reply = secure.recv(4096).decode()
                break
            except (ssl.SSLError, OSError):
                time.sleep(0.05)
        else:
            raise AssertionError("the server did not answer over TLS")
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]

    assert reply.startswith("HTTP/1.1 200")
    assert "SHA-256 fingerprint: " in output
