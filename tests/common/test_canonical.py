import json

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from common.canonical import NonCanonicalValue, canonical_bytes, fast_canonical_bytes

# RFC 8785 §3.2.2 and appendix vectors
RFC8785_VECTORS = [
    (
        {
            "numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001],
            "string": "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/",
            "literals": [None, True, False],
        },
        b'{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        b'"string":"\xe2\x82\xac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    ),
    # sorting by UTF-16 code units (RFC 8785 §3.2.3)
    (
        {
            "\u20ac": "Euro Sign",
            "\r": "Carriage Return",
            "\ufb33": "Hebrew Letter Dalet With Dagesh",
            "1": "One",
            "\U0001f600": "Emoji: Grinning Face",
            "\u0080": "Control",
            "\u00f6": "Latin Small Letter O With Diaeresis",
        },
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",'
        '"\u20ac":"Euro Sign","\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'.encode(),
    ),
]


@pytest.mark.parametrize(("value", "expected"), RFC8785_VECTORS)
def test_rfc8785_vectors(value: object, expected: bytes) -> None:
    assert canonical_bytes(value) == expected


def test_fast_path_refuses_what_it_cannot_reproduce() -> None:
    for bad in ({"x": 1.5}, {"x": 2**53}, {"\U0001f600": 1}, {"x": b"bytes"}):
        with pytest.raises(NonCanonicalValue):
            fast_canonical_bytes(bad)


_safe_ints = st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
_bmp_text = st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)), max_size=12)
_json = st.recursive(
    st.none() | st.booleans() | _safe_ints | _bmp_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_bmp_text, children, max_size=4),
    max_leaves=25,
)


@given(_json)
def test_fast_path_is_byte_identical_to_rfc8785(value: object) -> None:
    assert fast_canonical_bytes(value) == rfc8785.dumps(value)
    assert json.loads(fast_canonical_bytes(value)) == value
