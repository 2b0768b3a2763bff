"""Forms of the admin area: they check the shape of input; the rules live in workflows.admin."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import Length, NumberRange, Optional


class UserForm(FlaskForm):
    email = EmailField(_l("이메일"), validators=[Length(max=254)])
    name = StringField(_l("이름"), validators=[Length(max=100)])
    phone = StringField(_l("전화번호 (선택)"), validators=[Length(max=30)])
    # Choices are set by the view; the workflow checks the value.
    role = SelectField(_l("역할"), validate_choice=False)
    organisation_id = SelectField(_l("소속 기관"), validate_choice=False)
    password = PasswordField(
        _l("처음 비밀번호 (선택)"),
        validators=[Optional(), Length(max=200)],
        description=_l(
            "비워 두면 비밀번호를 정하는 링크를 이메일로 보냅니다. 2단계 인증을 쓰는 역할"
            "(검토자·심사위원·위원장·관리자)은 언제나 본인이 링크로 정합니다."
        ),
    )


class OrganisationForm(FlaskForm):
    code = StringField(
        _l("코드"),
        validators=[Length(max=40)],
        description=_l("영문 소문자·숫자·밑줄. 한 번 정하면 바꿀 수 없습니다."),
    )
    name = StringField(_l("이름"), validators=[Length(max=200)])
    kind = SelectField(_l("종류"), validate_choice=False)


class ReferenceForm(FlaskForm):
    code = StringField(
        _l("코드"),
        validators=[Length(max=40)],
        description=_l("영문 소문자·숫자·밑줄. 한 번 정하면 바꿀 수 없습니다."),
    )
    label_ko = StringField(_l("한국어 이름"), validators=[Length(max=100)])
    label_en = StringField(_l("영어 이름"), validators=[Length(max=100)])
    position = IntegerField(
        _l("순서"),
        default=0,
        validators=[
            Optional(),
            NumberRange(min=0, max=10_000, message=_l("0에서 10,000 사이로 입력해 주십시오.")),
        ],
    )
    source_kind = SelectField(_l("제안자 유형 (접수 경로만)"), validate_choice=False)


class CampaignForm(FlaskForm):
    code = StringField(
        _l("코드"),
        validators=[Length(max=40)],
        description=_l("영문 소문자·숫자·밑줄. 한 번 정하면 바꿀 수 없습니다."),
    )
    name = StringField(_l("이름"), validators=[Length(max=200)])
    starts_on = DateField(_l("시작일"), validators=[Optional()])
    ends_on = DateField(_l("종료일"), validators=[Optional()])


class ToggleForm(FlaskForm):
    """Activate or deactivate (CSRF only)."""
