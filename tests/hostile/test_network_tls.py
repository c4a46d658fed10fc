"""TLS certificates are verified: a server whose certificate no trusted CA signed is not read."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pyevents.crawlers.fetch import fetch_sources
from tests.crawlers.loopback import Reply, config_for, serving

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name | None = None,
    issuer_key: ec.EllipticCurvePrivateKey | None = None,
    *,
    ca: bool,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
    return builder.sign(issuer_key or key, hashes.SHA256())


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ssl.SSLContext]:
    """A test CA (written to a PEM file) and a server context whose certificate it signed for 127.0.0.1."""
    folder = tmp_path_factory.mktemp("tls")
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_cert = _certificate("pyevents test CA", ca_key, ca=True)
    server_cert = _certificate("127.0.0.1", server_key, ca_cert.subject, ca_key, ca=False)
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return ca_file, context


def test_untrusted_certificate_is_refused(tls_files: tuple[Path, ssl.SSLContext]) -> None:
    _, context = tls_files
    with serving(tls=context) as srv:
        srv.routes["/cal.ics"] = Reply(200, ICS)
        config = config_for([srv], {"cal": srv.url("/cal.ics")})
        result = fetch_sources(config.crawl_settings(), config.sources, {})["cal"]
    assert (result.outcome, result.body) == ("failed", None)
    assert result.error == "robots.txt unreachable (TLS certificate verification failed): not fetching this run"


def test_certificate_from_a_trusted_ca_is_read(tls_files: tuple[Path, ssl.SSLContext], monkeypatch: pytest.MonkeyPatch) -> None:
    ca_file, context = tls_files
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))  # OpenSSL's trust store for the crawler process
    with serving(tls=context) as srv:
        srv.routes["/cal.ics"] = Reply(200, ICS)
        config = config_for([srv], {"cal": srv.url("/cal.ics")})
        result = fetch_sources(config.crawl_settings(), config.sources, {})["cal"]
    assert (result.outcome, result.body) == ("ok", ICS)
