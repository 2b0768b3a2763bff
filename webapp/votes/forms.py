from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)

from workflows.errors import InvalidInput
from workflows.voting import parse_repeal_numbers


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class IdentityForm(FlaskForm):
    name = StringField(
        _l("이름"), validators=[DataRequired(_l("이름을 입력해 주십시오.")), Length(max=30)]
    )
    birth_date = DateField(
        _l("생년월일"),
        validators=[InputRequired(_l("생년월일을 입력해 주십시오."))],
        render_kw={"autocomplete": "bday"},
    )
    mobile = StringField(
        _l("휴대전화 번호"),
        validators=[DataRequired(_l("휴대전화 번호를 입력해 주십시오.")), Length(max=20)],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )


class BallotForm(FlaskForm):
    picks = CheckboxList(_l("공감하는 규제철폐 과제"), coerce=int, validate_choice=False)


class VoteRoundForm(FlaskForm):
    title = StringField(
        _l("투표 제목"),
        validators=[DataRequired(_l("투표 제목을 입력해 주십시오.")), Length(max=200)],
    )
    description = TextAreaField(_l("안내 문구"), validators=[Length(max=2000)])
    opens_at = DateTimeLocalField(
        _l("시작 시각"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("시작 시각을 입력해 주십시오."))],
    )
    closes_at = DateTimeLocalField(
        _l("마감 시각"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("마감 시각을 입력해 주십시오."))],
    )
    max_picks = IntegerField(
        _l("한 사람이 고를 수 있는 수"),
        default=10,
        validators=[
            InputRequired(_l("고를 수 있는 수를 입력해 주십시오.")),
            NumberRange(min=1, max=200, message=_l("1에서 200 사이로 입력해 주십시오.")),
        ],
    )
    # Ticked among the repeals the filter shows, or typed as numbers and ranges; either or both.
    candidates = CheckboxList(_l("후보 (발표된 규제철폐 과제)"), coerce=int, validate_choice=False)
    numbers = TextAreaField(
        _l("후보 번호"),
        validators=[Length(max=2000, message=_l("2,000자 이내로 입력해 주십시오."))],
        render_kw={"rows": 2},
    )

    def validate_numbers(self, field: TextAreaField) -> None:
        try:
            parse_repeal_numbers(field.data or "")
        except InvalidInput as exc:
            raise ValidationError(exc.message_ko) from exc

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        valid = super().validate(extra_validators)
        if not self.candidates.data and not (self.numbers.data or "").strip():
            self.candidates.errors = [
                *self.candidates.errors,
                str(_l("후보를 한 건 이상 고르거나 번호를 입력하십시오.")),
            ]
            valid = False
        return valid
