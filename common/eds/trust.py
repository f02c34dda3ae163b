"""What a verifier trusts: root certificates, plus intermediates that help build paths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from common.eds.errors import EdsError

if TYPE_CHECKING:
    from common.eds.ca import MockCA

__all__ = ["TrustAnchors"]


@dataclass(frozen=True, slots=True)
class TrustAnchors:
    """Trust roots (self-signed) and untrusted intermediates offered for path building.

    An intermediate never becomes an anchor by being listed: a path must end in a root.
    """

    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...] = ()

    def __post_init__(self) -> None:
        if not self.roots:
            raise EdsError("eds.trust.no_roots", "at least one trusted root certificate is needed")

    @classmethod
    def from_ca(cls, ca: MockCA) -> TrustAnchors:
        return cls(roots=(ca.root,), intermediates=(ca.intermediate,))

    @classmethod
    def from_pem(cls, data: bytes) -> TrustAnchors:
        """From a bundle such as `ca.pem`: self-signed certificates become roots."""
        try:
            certs = x509.load_pem_x509_certificates(data)
        except ValueError as exc:
            raise EdsError("eds.trust.unreadable", "no PEM certificates in the trust bundle") from exc
        roots = tuple(c for c in certs if _self_signed(c))
        return cls(roots=roots, intermediates=tuple(c for c in certs if not _self_signed(c)))

    @classmethod
    def from_file(cls, path: Path) -> TrustAnchors:
        return cls.from_pem(path.read_bytes())


def _self_signed(cert: x509.Certificate) -> bool:
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
