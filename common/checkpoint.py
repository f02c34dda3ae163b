"""C2SP tlog-checkpoint: the signed tree head a log publishes and witnesses cosign.

    <origin>\\n<tree size>\\n<base64 root hash>\\n[<extension line>\\n ...]

signed as a C2SP signed note by the log (Ed25519, key name = origin) and cosigned by witnesses
(tlog-cosignature/v1). The witness vouches for the first three lines only.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass

from common.merkle import HASH_SIZE
from common.notes import (
    SIG_COSIGNATURE_V1,
    Note,
    NoteError,
    Signer,
    Verifier,
    open_note,
    parse_note,
    sign_note,
)

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "attach_cosignatures",
    "cosign_checkpoint",
    "open_checkpoint",
    "sign_checkpoint",
]

_SIZE = re.compile(r"0|[1-9][0-9]*")


class CheckpointError(ValueError):
    """Reasons: malformed_checkpoint, origin_mismatch."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        lines = (self.origin, *self.extensions)
        if any(not line or "\n" in line for line in lines):
            raise CheckpointError("malformed_checkpoint", "empty line or embedded newline")
        if self.size < 0 or len(self.root_hash) != HASH_SIZE:
            raise CheckpointError("malformed_checkpoint", "negative size or bad root hash length")

    @property
    def text(self) -> str:
        """The note text: what the log signs and witnesses cosign."""
        root = base64.b64encode(self.root_hash).decode()
        return "".join(f"{line}\n" for line in (self.origin, str(self.size), root, *self.extensions))

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        if not text.endswith("\n"):
            raise CheckpointError("malformed_checkpoint", "text must end in a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError("malformed_checkpoint", "needs origin, size and root hash")
        origin, size, root, *extensions = lines
        if not _SIZE.fullmatch(size):
            raise CheckpointError("malformed_checkpoint", f"bad tree size {size!r}")
        try:
            root_hash = base64.b64decode(root, validate=True)
        except binascii.Error:
            raise CheckpointError("malformed_checkpoint", "root hash is not base64") from None
        if base64.b64encode(root_hash).decode() != root:
            raise CheckpointError("malformed_checkpoint", "root hash is not canonical base64")
        return cls(origin, int(size), root_hash, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, log_signer: Signer) -> str:
    """The checkpoint as a signed note, signed by the log's Ed25519 key."""
    return sign_note(checkpoint.text, [log_signer])


def open_checkpoint(
    note: str | bytes, log_verifiers: Iterable[Verifier], origin: str | None = None
) -> tuple[Checkpoint, Note]:
    """Verify the log's signature and parse the body; `origin`, if given, is pinned."""
    opened = open_note(note, log_verifiers)
    checkpoint = Checkpoint.from_text(opened.text)
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError("origin_mismatch", f"{checkpoint.origin!r} is not {origin!r}")
    return checkpoint, opened


def cosign_checkpoint(checkpoint: Checkpoint, cosigner: Signer, timestamp: int | None = None) -> str:
    """A witness's tlog-cosignature/v1 line for the checkpoint."""
    if cosigner.sig_type != SIG_COSIGNATURE_V1:
        raise ValueError("a witness cosigns with a cosignature/v1 (0x04) signer")
    return cosigner.sign(checkpoint.text, timestamp).line


def attach_cosignatures(note: str, lines: str, witnesses: Iterable[Verifier]) -> str:
    """Append a witness response's cosignature lines to the log's signed checkpoint.

    Lines from unknown keys and lines the note already has are dropped; a known witness's
    invalid cosignature raises NoteError("bad_signature").
    """
    base = parse_note(note)
    known = {(w.name, w.key_id): w for w in witnesses}
    have = set(base.signatures)
    text = base.text.encode()
    added = []
    for sig in parse_note(base.text + "\n" + lines).signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None or sig in have:
            continue
        if not verifier.verify(text, sig.signature):
            raise NoteError("bad_signature", f"cosignature by {sig.name}+{sig.key_id:08x}")
        have.add(sig)
        added.append(sig.line)
    return note + "".join(added)
