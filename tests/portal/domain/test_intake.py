import json

import pytest

from portal.domain.intake import Category, ListFormatError, normalise_phone, parse_list

GOOD = "900515301234"


def test_csv_rows_are_checked_one_by_one():
    data = (
        "iin,category,phone\n"
        f"{GOOD},budget_employee,8 (701) 123-45-67\n"
        "900515301235,budget_employee,+77011234567\n"
        f"{GOOD},socially_vulnerable,+77011234567\n"
        "900515301234,pensioner,123\n"
    ).encode()
    parsed = parse_list(data)
    assert [(r.row, r.iin, r.category, r.phone) for r in parsed.rows] == [
        (1, GOOD, Category.BUDGET_EMPLOYEE, "+77011234567")
    ]
    assert [(e.row, e.field, e.code) for e in parsed.errors] == [
        (2, "iin", "iin.check_digit"),
        (3, "iin", "list.duplicate"),
        (4, "iin", "list.duplicate"),
        (4, "category", "list.category"),
        (4, "phone", "list.phone"),
    ]


def test_json_list_and_wrapper():
    rows = [{"iin": GOOD, "category": "city_forming_employee", "phone": "7012345678"}]
    assert parse_list(json.dumps(rows).encode(), "application/json").rows[0].phone == "+77012345678"
    assert len(parse_list(json.dumps({"rows": rows}).encode(), "application/json").rows) == 1


def test_unreadable_files_are_refused_as_a_whole():
    with pytest.raises(ListFormatError, match="header"):
        parse_list(b"name,phone\nA,1\n")
    with pytest.raises(ListFormatError, match="JSON"):
        parse_list(b"[{", "application/json")


def test_phone_normalisation():
    assert normalise_phone("+7 (747) 000 11 22") == "+77470001122"
    assert normalise_phone("87470001122") == "+77470001122"
    assert normalise_phone("+7 727 000 11 22") is None  # a landline cannot take an SMS
    assert normalise_phone("+7 747 000 11 2²") is None  # "²" is a str.isdigit() digit, not a phone's
    assert normalise_phone("+٧ ٧٤٧ ٠٠٠ ١١ ٢٢") is None
    assert normalise_phone("+7\u00a0747\u00a0000-11-22") == "+77470001122"  # a spreadsheet's spacing
