"""C2SP signed-note and tlog-cosignature/v1, against published vectors.

Vectors, verbatim: the signed-note spec's example key and note (c2sp.org/signed-note,
example.com/foo); golang.org/x/mod sumdb/note/note_test.go (PeterNeumann signer key, its exact
signature, EnochRoot's second signature); transparency-dev/formats note/note_cosigv1_test.go
(a type-0x04 verifier key, a type-0x01 key whose base64 contains '+', a cosignature timestamp).
"""

from __future__ import annotations

import base64

import pytest

from common.notes import (
    SIG_COSIGNATURE_V1,
    SIG_ED25519,
    NoteError,
    Signature,
    Signer,
    Verifier,
    cosignature_timestamp,
    key_id,
    open_note,
    parse_note,
    sign_note,
)

SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n"
    "— example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_B64 = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
PETER_SIG = f"— PeterNeumann {PETER_B64}\n"
ENOCH_B64 = "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ="
ENOCH_SIG = f"— EnochRoot {ENOCH_B64}\n"
COSIG_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
PLUS_VKEY = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"
COSIG_B64 = (
    "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA=="
)


def test_spec_example_verifies() -> None:
    verifier = Verifier.from_vkey(SPEC_VKEY)
    assert (verifier.name, verifier.key_id, verifier.vkey) == ("example.com/foo", 0x530D903A, SPEC_VKEY)
    note = open_note(SPEC_NOTE, [verifier])
    assert note.text == "This is an example message.\n"
    assert [s.line for s in note.signatures] == [SPEC_NOTE.split("\n\n")[1]]
    with pytest.raises(NoteError) as err:
        open_note(SPEC_NOTE.replace("example message", "example massage"), [verifier])
    assert err.value.reason == "bad_signature"


def test_go_signer_key_reproduces_the_go_signature() -> None:
    signer = Signer.from_skey(PETER_SKEY)
    assert signer.skey == PETER_SKEY
    assert signer.verifier.vkey == PETER_VKEY
    assert sign_note(TEXT, [signer]) == TEXT + "\n" + PETER_SIG


def test_open_ignores_unknown_keys_and_needs_a_known_one() -> None:
    peter, enoch = Verifier.from_vkey(PETER_VKEY), Verifier.from_vkey(ENOCH_VKEY)
    message = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    one = open_note(message, [peter])
    assert [s.name for s in one.signatures] == ["PeterNeumann"]
    assert [s.name for s in one.unverified] == ["EnochRoot"]
    both = open_note(message, [peter, enoch])
    assert [s.key_id for s in both.signatures] == [0xC74F20A3, 0xAF0CFE78]
    with pytest.raises(NoteError) as err:
        open_note(message, [])
    assert err.value.reason == "unverified"
    # Same name, other key ID: unknown, so ignored rather than failed.
    stranger = Signer.generate("EnochRoot").verifier
    assert open_note(message, [peter, stranger]).unverified[0].name == "EnochRoot"


def test_a_known_keys_bad_signature_rejects_the_note() -> None:
    corrupt = TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(NoteError) as err:
        open_note(corrupt, [Verifier.from_vkey(PETER_VKEY)])
    assert err.value.reason == "bad_signature"


@pytest.mark.parametrize(
    "message",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        b"\xff" + (TEXT + "\n" + PETER_SIG).encode(),
        TEXT + "\n" + f"— Bad Name {PETER_B64}\n",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + PETER_SIG * 101,
    ],
)
def test_malformed_notes(message: str | bytes) -> None:  # cases from Go's TestOpen
    with pytest.raises(NoteError) as err:
        open_note(message, [Verifier.from_vkey(PETER_VKEY)])
    assert err.value.reason == "malformed_note"


def _manglings(key: str) -> list[str]:
    """Go's TestNewVerifier/TestNewSigner: every proper substring and every one-byte bump."""
    subs = [key[i:j] for i in range(len(key) + 1) for j in range(i + 1, len(key) + 1)]
    bumps = [key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :] for i in range(len(key))]
    return [k for k in subs + bumps if k != key]


def test_mangled_keys_are_rejected() -> None:
    for bad in _manglings(PETER_VKEY):
        with pytest.raises(NoteError):
            Verifier.from_vkey(bad)
    for bad in _manglings(PETER_SKEY):
        with pytest.raises(NoteError):
            Signer.from_skey(bad)
    for bad in (
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "rekor.sigstore.dev+00000000+" + PETER_VKEY.split("+", 2)[2],
    ):
        with pytest.raises(NoteError):
            Verifier.from_vkey(bad)


def test_formats_vectors() -> None:
    cosig = Verifier.from_vkey(COSIG_VKEY)
    assert (cosig.sig_type, cosig.vkey) == (SIG_COSIGNATURE_V1, COSIG_VKEY)
    assert cosig.key_id == key_id("remora.n621.de", SIG_COSIGNATURE_V1, cosig.public_key)
    assert Verifier.from_vkey(PLUS_VKEY).vkey == PLUS_VKEY
    blob = base64.b64decode(COSIG_B64)
    assert cosignature_timestamp(Signature("w", int.from_bytes(blob[:4], "big"), blob[4:])) == 1727964367


def test_cosignature_round_trip_and_domain_separation() -> None:
    key = Signer.generate("witness.example/w1")
    cosigner = Signer(key.name, key.seed, SIG_COSIGNATURE_V1)
    assert Signer.from_skey(key.skey, SIG_COSIGNATURE_V1) == cosigner  # one skey, both uses
    assert cosigner.verifier.key_id != key.verifier.key_id
    note = sign_note("log.example\n5\n" + "A" * 43 + "=\n", [cosigner], timestamp=1_700_000_000)
    opened = open_note(note, [cosigner.verifier])
    assert cosignature_timestamp(opened.signatures[0]) == 1_700_000_000
    sig = opened.signatures[0].signature
    text = opened.text.encode()
    assert not cosigner.verifier.verify(text, (1_700_000_001).to_bytes(8, "big") + sig[8:])
    # An Ed25519 note signature by the same key cannot pass as a cosignature.
    plain = parse_note(sign_note(opened.text, [key])).signatures[0]
    assert not cosigner.verifier.verify(text, plain.signature)


def test_signing_rejects_bad_text_and_duplicate_verifiers_are_harmless() -> None:
    signer = Signer.generate("example.org/k")
    for text in ("no newline", "tab\there\n", ""):
        with pytest.raises(NoteError):
            sign_note(text, [signer])
    note = sign_note("hello\n", [signer, signer])
    assert len(parse_note(note).signatures) == 2
    assert len(open_note(note, [signer.verifier, signer.verifier]).signatures) == 1
    assert Verifier(signer.name, SIG_ED25519, signer.public_key) == signer.verifier
