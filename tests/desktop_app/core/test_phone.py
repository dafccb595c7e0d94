import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.core import phone


@pytest.mark.parametrize(
    "raw",
    ["79991234567", "+79991234567", "8 999 123-45-67", "+7 (999) 123 45 67", "89991234567", "9991234567",
     "tel:+79991234567", "callto://+79991234567", "tel:+7-999-123-45-67;phone-context=x"],
)
def test_every_form_of_a_russian_number_is_one(raw):
    assert phone.normalize(raw) == "79991234567"


def test_extensions_stay_as_they_are():
    assert phone.normalize("701") == "701"
    assert phone.is_extension("701")


@pytest.mark.parametrize("raw", ["", "abc", "+7 12", "12345678", "tel:"])
def test_invalid_numbers_are_refused_with_the_number(raw):
    with pytest.raises(phone.InvalidNumber) as caught:
        phone.normalize(raw)
    assert "Not a phone number" in str(caught.value)


def test_display_for_people():
    assert phone.display("89991234567") == "+7 999 123-45-67"
    assert phone.display("701") == "701"
    assert phone.display("garbage") == "garbage"
    assert phone.display(None) == ""


def test_foreign_numbers_keep_their_country():
    assert phone.normalize("+380 44 123 4567") == "380441234567"


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.sampled_from(["+7", "8", "7", "+7 ", "8-"]),
    separators=st.lists(st.sampled_from(["", " ", "-", "(", ")", " - "]), min_size=10, max_size=10),
    digits=st.text(alphabet="0123456789", min_size=7, max_size=7),
    code=st.sampled_from(["999", "495", "812", "916"]),
)
def test_separators_never_change_the_number(prefix, separators, digits, code):
    national = code + digits
    written = prefix + "".join(sep + d for sep, d in zip(separators, national))
    assert phone.normalize(written) == "7" + national


def test_foreign_numbers_as_the_pbx_sends_them():
    assert phone.normalize("4915112345678") == "4915112345678"
    assert phone.display("4915112345678") == "+49 1511 2345678"


def test_percent_encoded_links_from_browsers():
    assert phone.normalize("tel:+7%20999%20123-45-67") == "79991234567"
    assert phone.normalize("tel:%2B79991234567") == "79991234567"
