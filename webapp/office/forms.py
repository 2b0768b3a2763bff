"""One form per operation on the staff proposal page (each carries the version the user saw),
the bulk-action form and the queue's filter form choices. Forms check shape; workflows the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

LONG = [Length(max=10_000, message=_l("10,000자 이내로 입력해 주십시오."))]
SHORT = [Length(max=200, message=_l("200자 이내로 입력해 주십시오."))]


class ActionForm(FlaskForm):
    version = HiddenField()


class StartReviewForm(ActionForm):
    pass


class ClassifyForm(ActionForm):
    sector = SelectField(_l("분야"), validators=[Optional()])
    regulation_type = SelectField(_l("규제 유형"), validators=[Optional()])


class AssignForm(ActionForm):
    reviewer = SelectField(_l("검토자"), validators=[Optional()])


class TransferForm(ActionForm):
    department = SelectField(_l("소관부서"), validators=[Optional()])
    note = StringField(_l("전달 메모 (선택)"), validators=SHORT)


class RequestInformationForm(ActionForm):
    question = TextAreaField(
        _l("보완 요청 내용"),
        validators=LONG,
        description=_l("제안자에게 보낼 질문입니다. 답변을 받을 때까지 처리 기한이 멈춥니다."),
    )


class MergeForm(ActionForm):
    into = StringField(
        _l("먼저 접수된 제안의 접수번호"),
        validators=[Length(max=20)],
        description=_l("예: 2025-000123. 이 제안은 병합된 제안을 가리키며 계속 보입니다."),
    )
    note = StringField(_l("병합 사유 (선택)"), validators=SHORT)


class ForwardForm(ActionForm):
    reasons = TextAreaField(_l("건의 사유"), validators=LONG)
    external_ref = StringField(_l("중앙정부 건의 번호 (선택)"), validators=[Length(max=100)])


class DeclineForm(ActionForm):
    reason_code = SelectField(_l("불수용 사유 코드"), validators=[Optional()])
    reasons = TextAreaField(
        _l("불수용 사유"), validators=LONG, description=_l("제안자가 읽는 설명입니다.")
    )


class ReviewForm(ActionForm):
    opinion = TextAreaField(_l("검토 의견"), validators=LONG)
    recommendation = SelectField(_l("권고"), validators=[Optional()])


class DepartmentOpinionForm(ActionForm):
    stance = SelectField(_l("부서 입장"), validators=[Optional()])
    opinion = TextAreaField(_l("부서 의견"), validators=LONG)
    keep_purpose = TextAreaField(_l("규제의 목적"), validators=LONG)
    keep_evidence = TextAreaField(_l("존치 근거·자료"), validators=LONG)
    keep_harm_if_repealed = TextAreaField(_l("폐지 시 피해"), validators=LONG)
    keep_alternatives = TextAreaField(_l("덜 제한적인 대안 검토"), validators=LONG)
    keep_responsible_official = StringField(_l("책임 공무원 성명"), validators=[Length(max=100)])


class SendToDeliberationForm(ActionForm):
    note = StringField(_l("회부 메모 (선택)"), validators=SHORT)


PAGE_FORMS: dict[str, type[ActionForm]] = {
    "start_review": StartReviewForm,
    "classify_proposal": ClassifyForm,
    "assign_reviewer": AssignForm,
    "transfer_to_department": TransferForm,
    "request_information": RequestInformationForm,
    "merge_proposal": MergeForm,
    "forward_to_central": ForwardForm,
    "decline_proposal": DeclineForm,
    "record_review": ReviewForm,
    "record_department_opinion": DepartmentOpinionForm,
    "send_to_deliberation": SendToDeliberationForm,
}

ACTION_TITLES = {
    "start_review": _l("검토 시작"),
    "classify_proposal": _l("분류 확정·변경"),
    "assign_reviewer": _l("검토자 배정"),
    "transfer_to_department": _l("소관부서 이관"),
    "request_information": _l("보완 요청"),
    "merge_proposal": _l("중복 병합"),
    "forward_to_central": _l("중앙정부 건의"),
    "decline_proposal": _l("불수용"),
    "record_review": _l("검토 의견·권고"),
    "record_department_opinion": _l("소관부서 의견·존치 근거"),
    "send_to_deliberation": _l("심의 회부"),
}


class BulkForm(FlaskForm):
    action = SelectField(_l("일괄 작업"))
    reviewer = SelectField(_l("검토자"), validators=[Optional()])
    sector = SelectField(_l("분야"), validators=[Optional()])
    regulation_type = SelectField(_l("규제 유형"), validators=[Optional()])
    back = HiddenField()


BULK_CHOICES = [
    ("assign_reviewer", _l("검토자 배정")),
    ("classify_proposal", _l("분야·유형 분류")),
    ("send_to_deliberation", _l("심의 회부")),
]
