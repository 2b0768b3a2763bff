from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, Length, Optional

TEXT = [Length(max=10_000, message=_l("10,000자 이내로 입력해 주십시오."))]


class ProposalForm(FlaskForm):
    """The shape of the office's form; the rules (required fields, codes) live in workflows."""

    submission_key = HiddenField()
    title = StringField(
        _l("제목"),
        validators=[Length(max=200, message=_l("200자 이내로 입력해 주십시오."))],
        description=_l("바꾸고 싶은 규제를 한 줄로 적어 주십시오. 예: 마을버스 환승 시간 완화"),
    )
    current_regulation = TextAreaField(
        _l("현행 규제"), validators=TEXT, description=_l("지금 어떤 규제가 있는지 적어 주십시오.")
    )
    legal_basis = StringField(
        _l("근거 법령·조문 (선택)"),
        validators=[Length(max=500)],
        description=_l("알고 계시면 적어 주십시오. 예: 서울특별시 건축 조례 제55조"),
    )
    problem = TextAreaField(
        _l("문제점"),
        validators=TEXT,
        description=_l("그 규제 때문에 어떤 불편이나 손해가 생기는지 적어 주십시오."),
    )
    proposed_change = TextAreaField(
        _l("개선안"), validators=TEXT, description=_l("어떻게 바꾸면 좋을지 적어 주십시오.")
    )
    expected_effect = TextAreaField(
        _l("기대효과"),
        validators=TEXT,
        description=_l("바뀌면 누가 어떤 도움을 받는지 적어 주십시오."),
    )
    sector_code = SelectField(
        _l("분야 (선택)"),
        validators=[Optional()],
        description=_l("고르기 어려우면 비워 두셔도 됩니다. 담당자가 확인합니다."),
    )
    regulation_type_code = SelectField(_l("규제 유형 (선택)"), validators=[Optional()])
    contact_name = StringField(_l("이름"), validators=[Length(max=100)])
    contact_phone = StringField(_l("연락처"), validators=[Length(max=30)])
    contact_email = EmailField(
        _l("이메일"),
        validators=[Optional(), Email(_l("이메일 형식이 올바르지 않습니다.")), Length(max=254)],
    )
    attachments = MultipleFileField(
        _l("첨부파일 (선택)"),
        description=_l(
            "PDF, HWP, HWPX, DOCX, XLSX, PNG, JPEG 파일을 올릴 수 있습니다."
            " 파일 형식은 내용으로 확인합니다."
        ),
    )
    consent = BooleanField(_l("위 내용을 읽었으며 개인정보 수집·이용에 동의합니다."), default=False)
    pii_acknowledged = HiddenField(default="")


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("보완 답변"), validators=[Length(max=10_000)])


class WithdrawForm(FlaskForm):
    reason = StringField(_l("철회 사유 (선택)"), validators=[Length(max=500)])


class ReexaminationForm(FlaskForm):
    reasons = TextAreaField(_l("재심사를 요청하는 이유"), validators=[Length(max=10_000)])
