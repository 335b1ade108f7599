"""Certificate checking for ARI over TLS (https:// and wss://).

An ``https`` ARI URL is checked like any TLS server: the certificate must chain to a
trusted CA and name the host. A PBX usually has a certificate from the company's own CA
(or a self-signed one): ``ari.ca_file`` names that CA's certificate (PEM), and only it is
trusted then. Checking is never switched off: a PBX whose certificate cannot be checked
is a configuration to fix, not to skip.
"""

from __future__ import annotations

import ssl
from pathlib import Path

#: what a refused certificate is called, and what to do about it
FIX = "the PBX's certificate is not trusted: set ari.ca_file to the CA that signed it"


def is_certificate_error(exc: BaseException) -> bool:
    """``exc`` (or what caused it) is a TLS certificate that failed the check."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(
            seen
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def tls_context(url: str, ca_file: Path | None) -> ssl.SSLContext | None:
    """The TLS context for ``url`` (None for plain http/ws)."""
    if not url.lower().startswith(("https://", "wss://")):
        return None
    if ca_file is None:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=str(ca_file))
