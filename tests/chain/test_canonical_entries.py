"""The sequencer and verifiers use `fast_canonical_bytes`; under the entry schema it must be
byte-identical to RFC 8785 (`rfc8785`), which is what every submitter signs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from common.canonical import canonical_bytes, fast_canonical_bytes

_bmp_text = st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs"]), max_size=40)
_any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)  # values may leave the BMP
_hex = st.text("0123456789abcdef", min_size=64, max_size=64)
_body = st.fixed_dictionaries(
    {
        "kind": _any_text,
        "ref": st.dictionaries(_bmp_text, _any_text, max_size=6),
        "doc": st.fixed_dictionaries({"sha256": _hex, "media_type": _any_text}),
        "evidence": st.lists(st.fixed_dictionaries({"type": _any_text, "sha256": _hex}), max_size=3),
        "submitter": _any_text,
        "submitted_at": _any_text,
    }
)
_entry = st.fixed_dictionaries(
    {
        "v": st.just(1),
        "seq": st.integers(0, 2**53 - 1),
        "prev": _hex,
        "time": _any_text,
        "body": _body,
        "sig": st.fixed_dictionaries({"alg": st.just("Ed25519"), "kid": _any_text, "value": _any_text}),
    }
)


@settings(max_examples=200, deadline=None)
@given(_entry)
def test_fast_canonical_form_of_entries_is_rfc8785(entry: dict) -> None:
    assert fast_canonical_bytes(entry) == canonical_bytes(entry)
    assert fast_canonical_bytes(entry["body"]) == canonical_bytes(entry["body"])
