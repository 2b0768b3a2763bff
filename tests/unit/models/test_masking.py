import pytest

from models.masking import find_personal_data, mask_email, mask_name, mask_phone, mask_text


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("홍길동", "홍*동"),
        ("이순", "이*"),
        ("남궁민수", "남**수"),
        ("김", "김"),
        ("", ""),
        (None, ""),
    ],
)
def test_names_are_masked_keeping_first_and_last(name, masked):
    assert mask_name(name) == masked


def test_phone_numbers_keep_only_the_ends():
    assert mask_phone("010-1234-5678") == "010-****-5678"
    assert mask_phone("01012345678") == "010-****-5678"
    assert mask_phone("02-123-4567") == "02-***-4567"


def test_e_mail_keeps_the_first_letter_and_the_domain():
    assert mask_email("hong.gildong@example.com") == "h***@example.com"


def test_free_text_is_masked_everywhere():
    text = "제 번호는 010-9876-5432, 메일 kim@seoul.example, 주민번호 900101-1234567 입니다."
    masked = mask_text(text)
    for secret in ("9876", "kim@", "1234567", "900101"):
        assert secret not in masked
    assert "010-****-5432" in masked and "k***@seoul.example" in masked
    assert "90****-1******" in masked
    assert find_personal_data(text) == ["resident_number", "phone", "email"]


def test_ordinary_numbers_are_left_alone():
    text = "용적률을 200%에서 250%로, 2025-01-03부터 1시간에서 2시간으로 완화합니다. 제55조"
    assert mask_text(text) == text
    assert find_personal_data(text) == []
