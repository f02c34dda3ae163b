from datetime import date

import pytest

from common.ids import BinKind, InvalidIdentifier, Sex, check_digit, parse_bin, parse_iin


def test_check_digit_first_pass() -> None:
    # 9·1+0·2+0·3+5·4+1·5+5·6+3·7+0·8+1·9+2·10+3·11 = 147 ≡ 4 (mod 11)
    assert check_digit("90051530123") == 4
    assert parse_iin("900515301234").value == "900515301234"


def test_check_digit_falls_back_to_second_weights() -> None:
    # first pass gives 10, weights 3..11,1,2 give 8
    assert check_digit("90051530090") == 8
    iin = parse_iin("900515300908")
    assert iin.birth_date == date(1990, 5, 15)


def test_number_with_no_valid_check_digit_is_never_issued() -> None:
    prefixes = (f"9005153{n:04d}" for n in range(10_000))
    impossible = [p for p in prefixes if check_digit(p) is None]
    assert impossible, "some serials have no valid check digit"
    for prefix in impossible[:3]:
        for last in "0123456789":
            with pytest.raises(InvalidIdentifier):
                parse_iin(prefix + last)


def test_iin_birth_date_century_and_sex() -> None:
    iin = parse_iin("900515301234")
    assert (iin.birth_date, iin.sex) == (date(1990, 5, 15), Sex.MALE)
    digits = "0503156" + "0001"
    woman_2000s = parse_iin(digits + str(check_digit(digits)))
    assert (woman_2000s.birth_date, woman_2000s.sex) == (date(2005, 3, 15), Sex.FEMALE)
    assert woman_2000s.masked() == "050315******"
    assert woman_2000s.age_on(date(2026, 3, 14)) == 20
    assert woman_2000s.age_on(date(2026, 3, 15)) == 21


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("900515301235", "iin.check_digit"),
        ("90051530123", "iin.format"),
        ("90051530123x", "iin.format"),
        ("９００５１５３０１２３４", "iin.format"),
    ],
)
def test_bad_iins_have_stable_codes(text: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as error:
        parse_iin(text)
    assert error.value.code == code


def test_bad_date_and_century() -> None:
    for prefix, code in (("9002303", "iin.birth_date"), ("9005157", "iin.century")):
        first11, digit = next(
            (f"{prefix}{n:04d}", d) for n in range(100) if (d := check_digit(f"{prefix}{n:04d}")) is not None
        )
        with pytest.raises(InvalidIdentifier) as error:
            parse_iin(first11 + str(digit))
        assert error.value.code == code


def test_future_birth_date_is_refused() -> None:
    first11 = "3001015" + "0001"
    digit = check_digit(first11)
    assert digit is not None
    with pytest.raises(InvalidIdentifier) as error:
        parse_iin(first11 + str(digit), today=date(2026, 11, 21))
    assert error.value.code == "iin.birth_date"


def test_bin_parts_and_validation() -> None:
    first11 = "08034" + "0" + "00012"
    digit = check_digit(first11)
    assert digit is not None
    parsed = parse_bin(first11 + str(digit))
    assert parsed.kind is BinKind.RESIDENT_ENTITY
    assert parsed.registered == (8, 3)
    with pytest.raises(InvalidIdentifier) as error:
        parse_bin(first11 + str((digit + 1) % 10))
    assert error.value.code == "bin.check_digit"
    bad_kind = "08031000012"
    if (d := check_digit(bad_kind)) is not None:
        with pytest.raises(InvalidIdentifier) as error:
            parse_bin(bad_kind + str(d))
        assert error.value.code == "bin.kind"


def test_made_identifiers_are_valid_and_carry_their_facts() -> None:
    from common.ids import make_bin, make_iin

    iin = parse_iin(make_iin(date(1987, 2, 28), Sex.FEMALE, serial=17))
    assert (iin.birth_date, iin.sex) == (date(1987, 2, 28), Sex.FEMALE)
    assert int(iin.value[7:11]) >= 17
    company = parse_bin(make_bin(2008, 3, serial=12))
    assert (company.registered, company.kind) == ((8, 3), BinKind.RESIDENT_ENTITY)
