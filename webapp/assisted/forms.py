from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField
from wtforms.validators import Email, Length, Optional

from ..citizen.forms import ProposalForm


class AssistedProposalForm(ProposalForm):
    """The proposal form as staff fill it in for a citizen met at a forum, a desk or by phone."""

    citizen_name = StringField(
        _l("제안자 이름"),
        validators=[Length(max=100)],
        description=_l("제안한 시민의 이름을 적어 주십시오."),
    )
    citizen_phone = StringField(
        _l("제안자 전화번호"),
        validators=[Length(max=30)],
        description=_l("전화번호나 이메일 중 하나는 있어야 결과를 알릴 수 있습니다."),
    )
    citizen_email = EmailField(
        _l("제안자 이메일"),
        validators=[Optional(), Email(_l("이메일 형식이 올바르지 않습니다.")), Length(max=254)],
        description=_l("가입한 시민의 이메일이면 그 계정의 '내 제안'에서 볼 수 있습니다."),
    )
    channel_code = SelectField(_l("접수 경로"), validators=[Optional()], validate_choice=False)
    # Choices are set by the view (see ``CONSENT_CHOICES``).
    consent_method = RadioField(
        _l("개인정보 수집·이용 동의"), validators=[Optional()], validate_choice=False
    )
    entry_key = HiddenField()


CONSENT_CHOICES = (
    ("oral", _l("제안자가 구두로 동의했습니다")),
    ("written", _l("제안자가 서면으로 동의했습니다")),
)
