"""Electronic digital signatures (ЭЦП) the way Kazakhstan's national PKI does them.

A mock national CA (`MockCA`) issues NCA-style certificates and PKCS#12 key stores and
answers CRL/OCSP; documents are signed as detached CMS with CAdES-B attributes, one
SignerInfo per party merged into one CMS; validation yields an ETSI EN 319 102-1 report per
signer, and `check_party` says whether the right party signed with the right key.
"""

from common.eds.auth import LoginError, LoginIdentity, async_verify_login, new_challenge, verify_login
from common.eds.ca import DEFAULT_BASE_URL, IssuedIdentity, MockCA
from common.eds.cms import add_signer, async_sign_detached, merge, sign_detached, strip_pem_armour
from common.eds.errors import EdsError
from common.eds.holder import Holder, describe_holder
from common.eds.identity import Identity
from common.eds.index import CertificateRecord
from common.eds.keystore import KeyStore, KeyStoreError, dump_p12, load_p12
from common.eds.oids import KeyPurpose, Role
from common.eds.party import ExpectedParty, PartyCheck, PartyKind, check_party
from common.eds.report import (
    CertificateSummary,
    Indication,
    RevocationInfo,
    RevocationStatus,
    SignatureLevel,
    SignerReport,
    SubIndication,
)
from common.eds.revocation import CaRevocation, RevocationData, RevocationSource
from common.eds.trust import TrustAnchors
from common.eds.validate import async_validate_cms, validate_cms

__all__ = [
    "DEFAULT_BASE_URL",
    "CaRevocation",
    "CertificateRecord",
    "CertificateSummary",
    "EdsError",
    "ExpectedParty",
    "Holder",
    "Identity",
    "Indication",
    "IssuedIdentity",
    "KeyPurpose",
    "KeyStore",
    "KeyStoreError",
    "LoginError",
    "LoginIdentity",
    "MockCA",
    "PartyCheck",
    "PartyKind",
    "RevocationData",
    "RevocationInfo",
    "RevocationSource",
    "RevocationStatus",
    "Role",
    "SignatureLevel",
    "SignerReport",
    "SubIndication",
    "TrustAnchors",
    "add_signer",
    "async_sign_detached",
    "async_validate_cms",
    "async_verify_login",
    "check_party",
    "describe_holder",
    "dump_p12",
    "load_p12",
    "merge",
    "new_challenge",
    "sign_detached",
    "strip_pem_armour",
    "validate_cms",
    "verify_login",
]
