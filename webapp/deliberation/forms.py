"""The shapes of the panel's and the chair's forms; the rules live in the workflows."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

DATE_MESSAGE = _l("날짜를 YYYY-MM-DD 형식으로 입력해 주십시오.")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PanelSessionForm(FlaskForm):
    title = StringField(
        _l("회의 제목"),
        validators=[Length(max=200, message=_l("200자 이내로 입력해 주십시오."))],
        description=_l("예: 제5차 규제개혁 심사위원회"),
    )
    held_on = DateField(
        _l("회의 날짜"),
        validators=[InputRequired(message=DATE_MESSAGE)],
        format="%Y-%m-%d",
        invalid_value_message=DATE_MESSAGE,
    )
    quorum = IntegerField(
        _l("의결 정족수"),
        validators=[InputRequired(message=_l("정족수를 숫자로 입력해 주십시오."))],
        default=2,
        description=_l("안건마다 이만큼의 위원이 의견을 내야 위원장이 결정할 수 있습니다."),
    )
    members = MultiCheckboxField(_l("참석 위원"), coerce=int, validate_choice=False)
    agenda = MultiCheckboxField(_l("안건 (심의 회부된 제안)"), coerce=int, validate_choice=False)


class AgendaForm(FlaskForm):
    agenda = MultiCheckboxField(_l("안건에 올릴 제안"), coerce=int, validate_choice=False)


class OpinionForm(FlaskForm):
    vote = RadioField(_l("의견"), validators=[InputRequired(message=_l("의견을 골라 주십시오."))])
    score = IntegerField(
        _l("점수 (1~5)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=5, message=_l("점수는 1~5 사이여야 합니다.")),
        ],
        description=_l("5: 꼭 철폐해야 함 … 1: 유지해야 함"),
    )
    comment = TextAreaField(
        _l("의견 내용"),
        validators=[Length(max=5_000, message=_l("5,000자 이내로 입력해 주십시오."))],
    )


class ConflictForm(FlaskForm):
    reason = StringField(
        _l("이해충돌 사유"),
        validators=[Length(max=500, message=_l("500자 이내로 입력해 주십시오."))],
        description=_l("예: 제안 기관 자문 이력"),
    )


class DecisionForm(FlaskForm):
    version = HiddenField()
    outcome = SelectField(
        _l("결정"), validators=[InputRequired(message=_l("결정을 골라 주십시오."))]
    )
    reasons = TextAreaField(
        _l("결정 사유"),
        validators=[Length(max=10_000, message=_l("10,000자 이내로 입력해 주십시오."))],
    )
    responsible_official = StringField(
        _l("담당 공무원"),
        validators=[Length(max=100, message=_l("100자 이내로 입력해 주십시오."))],
        description=_l("이행을 책임지는 공무원의 이름"),
    )
    reason_code = SelectField(_l("불수용 사유 코드"), validators=[Optional()])
    external_ref = StringField(
        _l("중앙정부 건의 문서번호 (선택)"),
        validators=[Length(max=100, message=_l("100자 이내로 입력해 주십시오."))],
    )


class AnnouncementForm(FlaskForm):
    title = StringField(
        _l("발표 제목"),
        validators=[Length(max=200, message=_l("200자 이내로 입력해 주십시오."))],
        description=_l("예: 건설산업 규제철폐 TF 성과 보고회"),
    )
    announced_on = DateField(
        _l("발표일"),
        validators=[InputRequired(message=DATE_MESSAGE)],
        format="%Y-%m-%d",
        invalid_value_message=DATE_MESSAGE,
    )
    summary = TextAreaField(
        _l("요약"),
        validators=[Length(max=10_000, message=_l("10,000자 이내로 입력해 주십시오."))],
    )
    proposals = MultiCheckboxField(_l("포함할 결정"), coerce=int, validate_choice=False)


class AddToAnnouncementForm(FlaskForm):
    proposals = MultiCheckboxField(_l("추가할 결정"), coerce=int, validate_choice=False)


class PublishForm(FlaskForm):
    """Only the CSRF token: publishing takes no input."""


class ImplementationForm(FlaskForm):
    version = HiddenField()
    ordinance_change_needed = SelectField(_l("조례 개정 필요 여부"), validators=[Optional()])
    stage = SelectField(_l("이행 단계"))
    effective_on = DateField(
        _l("시행일"),
        validators=[Optional()],
        format="%Y-%m-%d",
        invalid_value_message=DATE_MESSAGE,
        description=_l("YYYY-MM-DD"),
    )
    note = StringField(
        _l("메모 (공개)"),
        validators=[Length(max=500, message=_l("500자 이내로 입력해 주십시오."))],
    )
