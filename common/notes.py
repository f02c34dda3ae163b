"""C2SP signed notes (c2sp.org/signed-note) with Ed25519, and tlog-cosignature/v1 (type 0x04).

    <text, ending in \\n>
    <blank line>
    — <key name> base64(4-byte key ID ‖ signature)        (one line per signature)

Key ID = SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]. Keys travel as strings compatible with
golang.org/x/mod/sumdb/note: verifier ``<name>+<hex id>+base64(type ‖ pub)`` and signer
``PRIVATE+KEY+<name>+<hex id>+base64(0x01 ‖ seed)``. A witness uses an ordinary Ed25519 signer
key as a cosigner (as transparency-dev/formats does); only its verifier key carries type 0x04.

A cosignature signs ``cosignature/v1\\ntime <t>\\n`` + the note text, and its signature bytes
are the 8-byte big-endian timestamp followed by the 64-byte Ed25519 signature.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from hashlib import sha256

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

__all__ = [
    "MAX_SIGNATURES",
    "SIG_COSIGNATURE_V1",
    "SIG_ED25519",
    "Note",
    "NoteError",
    "Signature",
    "Signer",
    "Verifier",
    "cosignature_timestamp",
    "key_id",
    "open_note",
    "parse_note",
    "sign_note",
]

SIG_ED25519 = 0x01
SIG_COSIGNATURE_V1 = 0x04
MAX_SIGNATURES = 100  # the spec asks for at least 16; Go's note.Open stops at 100
_TYPES = (SIG_ED25519, SIG_COSIGNATURE_V1)
_DASH = "\u2014 "
_HEX_ID = re.compile(r"[0-9a-fA-F]{8}")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


class NoteError(ValueError):
    """Malformed note or key, or failed verification; `reason` is a stable key.

    Reasons: malformed_note, bad_key, unverified (no known key signed), bad_signature
    (a known key's signature failed), ambiguous_key.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def key_id(name: str, sig_type: int, public_key: bytes) -> int:
    """SHA-256(name ‖ "\\n" ‖ type ‖ public key)[:4] as a big-endian uint32."""
    digest = sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise NoteError("malformed_note", "bad base64") from None


def _cosigned_message(text: bytes, timestamp: int) -> bytes:
    return b"cosignature/v1\ntime %d\n" % timestamp + text


@dataclass(frozen=True)
class Verifier:
    """A public key that checks one signature type for one key name."""

    name: str
    sig_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        if not _valid_name(self.name) or self.sig_type not in _TYPES or len(self.public_key) != 32:
            raise NoteError("bad_key", f"unusable verifier key for {self.name!r}")

    @cached_property
    def key_id(self) -> int:
        return key_id(self.name, self.sig_type, self.public_key)

    @cached_property
    def _key(self) -> VerifyKey:
        return VerifyKey(self.public_key)

    @property
    def vkey(self) -> str:
        material = base64.b64encode(bytes([self.sig_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{material}"

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        name, _, rest = vkey.partition("+")
        hex_id, _, material = rest.partition("+")
        if not _HEX_ID.fullmatch(hex_id) or not material:
            raise NoteError("bad_key", "expected <name>+<hex id>+<base64 key>")
        try:
            raw = base64.b64decode(material, validate=True)
        except binascii.Error:
            raise NoteError("bad_key", "bad base64") from None
        if not raw:
            raise NoteError("bad_key", "empty key")
        verifier = cls(name, raw[0], raw[1:])
        if verifier.key_id != int(hex_id, 16):
            raise NoteError("bad_key", "key ID does not match the key")
        return verifier

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Check `signature` (without the key ID) over the note `text`."""
        if self.sig_type == SIG_COSIGNATURE_V1:
            if len(signature) != 72:
                return False
            text = _cosigned_message(text, int.from_bytes(signature[:8], "big"))
            signature = signature[8:]
        elif len(signature) != 64:
            return False
        try:
            self._key.verify(text, signature)
        except BadSignatureError:
            return False
        return True


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, key ID and the signature bytes after the ID."""

    name: str
    key_id: int
    signature: bytes

    @property
    def line(self) -> str:
        blob = self.key_id.to_bytes(4, "big") + self.signature
        return f"{_DASH}{self.name} {base64.b64encode(blob).decode()}\n"


@dataclass(frozen=True)
class Signer:
    """An Ed25519 private key that signs notes (type 0x01) or cosigns checkpoints (0x04)."""

    name: str
    seed: bytes = field(repr=False)
    sig_type: int = SIG_ED25519

    def __post_init__(self) -> None:
        if not _valid_name(self.name) or self.sig_type not in _TYPES or len(self.seed) != 32:
            raise NoteError("bad_key", f"unusable signer key for {self.name!r}")

    @classmethod
    def generate(cls, name: str, sig_type: int = SIG_ED25519) -> Signer:
        return cls(name, bytes(SigningKey.generate()), sig_type)

    @classmethod
    def from_skey(cls, skey: str, sig_type: int = SIG_ED25519) -> Signer:
        parts = skey.split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"] or not _HEX_ID.fullmatch(parts[3]):
            raise NoteError("bad_key", "expected PRIVATE+KEY+<name>+<hex id>+<base64 key>")
        try:
            raw = base64.b64decode(parts[4], validate=True)
        except binascii.Error:
            raise NoteError("bad_key", "bad base64") from None
        if len(raw) != 33 or raw[0] != SIG_ED25519:
            raise NoteError("bad_key", "not an Ed25519 signer key")
        signer = cls(parts[2], raw[1:], sig_type)
        if key_id(signer.name, SIG_ED25519, signer.public_key) != int(parts[3], 16):
            raise NoteError("bad_key", "key ID does not match the key")
        return signer

    @cached_property
    def _key(self) -> SigningKey:
        return SigningKey(self.seed)

    @property
    def public_key(self) -> bytes:
        return bytes(self._key.verify_key)

    @property
    def skey(self) -> str:
        hex_id = key_id(self.name, SIG_ED25519, self.public_key)
        material = base64.b64encode(bytes([SIG_ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{hex_id:08x}+{material}"

    @cached_property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.sig_type, self.public_key)

    def sign(self, text: str, timestamp: int | None = None) -> Signature:
        """Sign note `text`; a cosigner stamps `timestamp` (default: now, in UNIX seconds)."""
        _check_text(text)
        message = text.encode()
        prefix = b""
        if self.sig_type == SIG_COSIGNATURE_V1:
            timestamp = int(time.time()) if timestamp is None else timestamp
            prefix = timestamp.to_bytes(8, "big")
            message = _cosigned_message(message, timestamp)
        signature = prefix + self._key.sign(message).signature
        return Signature(self.name, self.verifier.key_id, signature)


@dataclass(frozen=True)
class Note:
    """A parsed note: its text and signatures (after `open_note`: the verified ones)."""

    text: str
    signatures: tuple[Signature, ...]
    unverified: tuple[Signature, ...] = ()


def _check_text(text: str) -> None:
    if not text.endswith("\n") or _CONTROL.search(text):
        raise NoteError("malformed_note", "text must end in a newline and hold no control characters")


def parse_note(message: str | bytes) -> Note:
    """Split a note into text and signature lines without verifying anything."""
    if isinstance(message, bytes):
        try:
            message = message.decode()
        except UnicodeDecodeError:
            raise NoteError("malformed_note", "not UTF-8") from None
    if _CONTROL.search(message):
        raise NoteError("malformed_note", "control character")
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed_note", "no blank line before the signatures")
    text, block = message[: split + 1], message[split + 2 :]
    if not block.endswith("\n"):
        raise NoteError("malformed_note", "no signature lines")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("malformed_note", f"more than {MAX_SIGNATURES} signatures")
    signatures = []
    for line in lines:
        name, _, b64 = line.removeprefix(_DASH).partition(" ")
        if not line.startswith(_DASH) or not _valid_name(name):
            raise NoteError("malformed_note", f"bad signature line {line!r}")
        blob = _b64decode(b64)
        if len(blob) < 5:
            raise NoteError("malformed_note", "signature too short")
        signatures.append(Signature(name, int.from_bytes(blob[:4], "big"), blob[4:]))
    return Note(text, tuple(signatures))


def open_note(message: str | bytes, verifiers: Iterable[Verifier]) -> Note:
    """Parse and verify a note: signatures by unknown keys are ignored (per spec), any failing
    signature by a known key rejects the note, and at least one known key must have signed."""
    known: dict[tuple[str, int], Verifier] = {}
    for v in verifiers:
        if known.setdefault((v.name, v.key_id), v) != v:
            raise NoteError("ambiguous_key", f"{v.name}+{v.key_id:08x}")
    note = parse_note(message)
    text = note.text.encode()
    verified: dict[tuple[str, int], Signature] = {}
    unverified: dict[Signature, None] = {}
    for sig in note.signatures:
        v = known.get((sig.name, sig.key_id))
        if v is None:
            unverified[sig] = None
        elif (sig.name, sig.key_id) not in verified:
            if not v.verify(text, sig.signature):
                raise NoteError("bad_signature", f"{sig.name}+{sig.key_id:08x}")
            verified[(sig.name, sig.key_id)] = sig
    if not verified:
        raise NoteError("unverified", "no signature by a known key")
    return Note(note.text, tuple(verified.values()), tuple(unverified))


def sign_note(text: str, signers: Iterable[Signer], timestamp: int | None = None) -> str:
    """The signed note: text, blank line, one signature line per signer."""
    lines = [s.sign(text, timestamp).line for s in signers]
    if not lines:
        raise ValueError("a note needs at least one signer")
    return text + "\n" + "".join(lines)


def cosignature_timestamp(signature: Signature) -> int:
    """The UNIX time a tlog-cosignature/v1 was made (its first 8 signature bytes)."""
    if len(signature.signature) != 72:
        raise NoteError("malformed_note", "not a cosignature/v1 signature")
    return int.from_bytes(signature.signature[:8], "big")
