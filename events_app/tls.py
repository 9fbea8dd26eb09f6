"""A self-signed certificate for `events-app serve --tls` on a venue laptop.

Phone browsers give the camera only to secure pages (HTTPS, or localhost). Where no reverse proxy
with a real certificate is at hand, the laptop serves HTTPS itself with a certificate it made:
each phone accepts it once (the browser warns first), and door staff can compare the fingerprint.
"""

from __future__ import annotations

import ipaddress
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALID_FOR = timedelta(days=365)
RENEW_BEFORE = timedelta(days=30)


def local_names(extra: str | None = None) -> list[str]:
    """localhost, this machine's name and addresses (what phones on the venue network will type)."""
    names = ["localhost", "127.0.0.1", "::1", socket.gethostname()]
    try:
        names += socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        pass
    if extra and extra not in ("0.0.0.0", "::"):
        names.append(extra)
    return list(dict.fromkeys(names))


def _alternative_names(names: list[str]) -> list[x509.GeneralName]:
    result: list[x509.GeneralName] = []
    for name in names:
        try:
            result.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            result.append(x509.DNSName(name))
    return result


def self_signed(folder: Path, names: list[str], *, now: datetime | None = None) -> tuple[Path, Path, str]:
    """Certificate and key files under `folder` covering `names`, made anew when missing, about to
    expire or not covering a name; and the certificate's SHA-256 fingerprint."""
    moment = now or datetime.now(UTC)
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    if cert_path.exists() and key_path.exists():
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        covered = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        if certificate.not_valid_after_utc - RENEW_BEFORE > moment and all(
                name in covered for name in _alternative_names(names)):
            return cert_path, key_path, _fingerprint(certificate)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0]),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "events-app on a venue laptop")])
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(moment - timedelta(minutes=5))
        .not_valid_after(moment + VALID_FOR)
        .add_extension(x509.SubjectAlternativeName(_alternative_names(names)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.touch(mode=0o600)
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path, _fingerprint(certificate)


def _fingerprint(certificate: x509.Certificate) -> str:
    return ":".join(f"{byte:02X}" for byte in certificate.fingerprint(hashes.SHA256()))
