"""The input edge: one parser per kind of value, the same for the web, the CLI and import.
Each refusal is structured (a code and the field it is about)."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from setupflow import inputs
from setupflow.errors import InputError


def refused(parse, value, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(InputError) as caught:
        parse(value, *args, **kwargs)
    return caught.value.code, caught.value.field


@pytest.mark.parametrize("value, expected", [("2027-01-12", date(2027, 1, 12)), (" 2000-01-01 ", date(2000, 1, 1)),
                                             ("2100-12-31", date(2100, 12, 31)), (date(2030, 5, 1), date(2030, 5, 1))])
def test_a_day_within_the_methods_years_is_read(value, expected):
    assert inputs.day(value, "starts_on") == expected


@pytest.mark.parametrize("value, code", [
    ("9999-12-31", "date.out_of_range"), ("0001-01-01", "date.out_of_range"), ("1999-12-31", "date.out_of_range"),
    ("2101-01-01", "date.out_of_range"), (date(9999, 12, 31), "date.out_of_range"), ("2027-02-30", "date.invalid"),
    ("+2027-01-01", "date.invalid"), ("٢٠٢٧-٠١-١٢", "date.invalid"), ("2027-1-12", "date.invalid"),
    ("12/01/2027", "date.invalid"), ("", "date.invalid"), ("10000-01-01", "date.invalid")])
def test_a_day_out_of_bounds_or_malformed_is_refused_naming_the_field(value, code):
    assert refused(inputs.day, value, "starts_on") == (code, "starts_on")


def test_an_instant_is_local_time_unless_it_says_its_offset():
    assert inputs.instant("2027-01-12T14:00", "at") == datetime(2027, 1, 12, 13, 0, tzinfo=timezone.utc)
    assert inputs.instant("2027-01-12 14:00", "at") == datetime(2027, 1, 12, 13, 0, tzinfo=timezone.utc)
    assert inputs.instant("2027-01-12T14:00:00+00:00", "at") == datetime(2027, 1, 12, 14, tzinfo=timezone.utc)


@pytest.mark.parametrize("value, code", [("9999-12-31 23:59", "date.out_of_range"),
                                         ("0001-01-01T00:00", "date.out_of_range"),
                                         (datetime(9999, 12, 31, 23, 59, tzinfo=timezone.utc), "date.out_of_range"),
                                         ("2027-01-12", "datetime.invalid"), ("2027-01-12T25:00", "datetime.invalid"),
                                         ("demain", "datetime.invalid")])
def test_an_instant_out_of_bounds_or_malformed_is_refused(value, code):
    assert refused(inputs.instant, value, "at") == (code, "at")


@pytest.mark.parametrize("value, expected", [("32 000", Decimal("32000")), ("32\u00a0000,50", Decimal("32000.50")),
                                             ("32\u202f000,50", Decimal("32000.50")), ("32000.50", Decimal("32000.50")),
                                             ("1 234 567,5 €", Decimal("1234567.5")), ("0,10", Decimal("0.10")),
                                             (Decimal("12.5"), Decimal("12.5")), (12, Decimal(12))])
def test_amounts_are_read_the_way_french_people_type_them(value, expected):
    assert inputs.amount(value, "planned") == expected


@pytest.mark.parametrize("value, code", [
    ("NaN", "amount.invalid"), ("nan", "amount.invalid"), ("Infinity", "amount.invalid"), ("-inf", "amount.invalid"),
    (float("nan"), "amount.invalid"), (float("inf"), "amount.invalid"), (Decimal("NaN"), "amount.invalid"),
    ("١٢٣", "amount.invalid"), ("１２３", "amount.invalid"), ("1_000", "amount.invalid"), ("1e6", "amount.invalid"),
    ("32 00", "amount.invalid"), ("3 2000", "amount.invalid"), ("12,345", "amount.too_precise"),
    ("-5", "amount.negative"), ("1" + "0" * 15, "amount.out_of_range"), ("", "amount.invalid")])
def test_amounts_that_are_not_plain_digits_are_refused(value, code):
    assert refused(inputs.amount, value, "planned") == (code, "planned")


@pytest.mark.parametrize("value, code", [("١٢٣", "number.invalid"), ("1_000", "number.invalid"), ("²", "number.invalid"),
                                         ("NaN", "number.invalid"), ("1.5", "number.invalid"), ("", "number.invalid"),
                                         ("11", "number.out_of_range")])
def test_whole_numbers_are_ascii_digits_within_their_range(value, code):
    assert refused(inputs.whole, value, "weight", 0, 10) == (code, "weight")
    assert inputs.whole(" 7 ", "weight", 0, 10) == 7


@pytest.mark.parametrize("value", ["jean.dupont@example.org", "Jean.Dupont@Example.ORG", "ｊｅａｎ.dupont@example.org",
                                   " jean.dupont@example.org "])
def test_look_alike_addresses_share_one_identity(value):
    assert inputs.email_key(inputs.email(value)) == "jean.dupont@example.org"


@pytest.mark.parametrize("value", ["jean.dupont\u200b@example.org", "jean\u200d.dupont@example.org",
                                   "jean.dupont@example.org\u202e", "a@b.org\n", "x@example.org\r\nBcc: y@example.org",
                                   "%@%.%", "jean dupont@example.org", "jean@localhost", "jéan@example.org",
                                   "@example.org", "a@@example.org", "a@-example.org", ""])
def test_format_characters_and_non_addresses_are_refused(value):
    assert refused(inputs.email, value, "email") == ("email.invalid", "email")


@pytest.mark.parametrize("value, code", [("a\x00b", "text.control_character"), ("a\x0bb", "text.control_character"),
                                         ("a\x01b", "text.control_character"), ("a\x7fb", "text.control_character"),
                                         ("a\x85b", "text.control_character")])
def test_control_characters_are_refused_in_every_text(value, code):
    assert refused(inputs.text, value, "text") == (code, "text")


def test_tab_and_line_breaks_are_kept_and_windows_line_breaks_become_newlines():
    assert inputs.text("a\tb\r\nc\rd", "text") == "a\tb\nc\nd"


@pytest.mark.parametrize("value, code", [("Atelier \u202eFDP.exe", "text.bidi_control"),
                                         ("Atelier \u2066x\u2069", "text.bidi_control"),
                                         ("Atelier\nbis", "text.line_break")])
def test_names_refuse_bidi_overrides_and_line_breaks(value, code):
    assert refused(inputs.text, value, "name", name=True) == (code, "name")
    assert refused(inputs.file_name, value, "file") == (code, "file")


def test_a_file_name_keeps_no_path():
    assert inputs.file_name("..\\..\\etc/passwd.pdf") == "passwd.pdf"


def test_like_patterns_match_wildcards_literally():
    assert inputs.like_escaped("50%_a\\b") == "50\\%\\_a\\\\b"


def test_printable_drops_only_what_documents_cannot_hold():
    nasty = "« é »\t\n\u202e\u200b😀<&>"
    assert inputs.printable(nasty) == nasty
    assert inputs.printable("a\x00b\x0bc\x01d\ufffe") == "abcd"


@pytest.mark.parametrize("stored", ["evil\x00.pdf", "a\r\nSet-Cookie: x=1.pdf", "facture\u202efdp.exe", "«été».pdf",
                                    'quo"te;x.pdf', "../../etc/passwd"])
def test_a_download_name_is_one_safe_header_line_whatever_was_stored(stored):
    from urllib.parse import unquote

    from web.inputs import content_disposition

    header = content_disposition(stored)
    assert not any(c in header for c in "\x00\r\n\u202e") and header.isascii()
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert '"' not in fallback and ";" not in fallback and "/" not in fallback
    full = unquote(header.split("filename*=UTF-8''", 1)[1])
    assert full == inputs.printable(stored).replace("\u202e", "").replace("\r", "").replace("\n", "").replace("/", "_")
