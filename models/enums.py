"""The closed vocabularies of the domain (DOMAIN.md, "Codes"), stored by their code."""

from __future__ import annotations

from .base import LABELS, LabelledEnum


class Role(LabelledEnum):
    CITIZEN = "citizen"
    OFFICIAL = "official"
    AGENCY_STAFF = "agency_staff"
    REVIEWER = "reviewer"
    PANEL_MEMBER = "panel_member"
    CHAIR = "chair"
    ADMIN = "admin"


class OrganisationKind(LabelledEnum):
    DEPARTMENT = "department"
    DISTRICT = "district"
    TASK_FORCE = "task_force"
    FUNDED_AGENCY = "funded_agency"
    COMMITTEE = "committee"


class SourceKind(LabelledEnum):
    CITIZEN = "citizen"
    OFFICIAL = "official"
    AGENCY = "agency"


class Stage(LabelledEnum):
    INTAKE = "intake"
    REVIEW = "review"
    DELIBERATION = "deliberation"
    DECISION = "decision"


class State(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    INFO_REQUESTED = "info_requested"
    IN_REVIEW = "in_review"
    IN_DELIBERATION = "in_deliberation"
    DECIDED = "decided"
    ANNOUNCED = "announced"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"


class Outcome(LabelledEnum):
    REPEAL = "repeal"
    RELAX = "relax"
    LONG_TERM = "long_term"
    FORWARD_CENTRAL = "forward_central"
    NOT_ACCEPTED = "not_accepted"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"


class PanelVote(LabelledEnum):
    """What a panel member may recommend for an agenda item."""

    REPEAL = "repeal"
    RELAX = "relax"
    LONG_TERM = "long_term"
    NOT_ACCEPTED = "not_accepted"


class ReviewKind(LabelledEnum):
    REVIEWER = "reviewer"
    DEPARTMENT = "department"


class AnnouncementState(LabelledEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class ImplementationStage(LabelledEnum):
    """After announcement: where putting the repeal into force stands (이행)."""

    PREPARING = "preparing"
    ORDINANCE_AMENDMENT = "ordinance_amendment"
    IN_FORCE = "in_force"


class OutboxState(LabelledEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


LABELS.update(
    {
        "Role": {
            "citizen": ("시민", "Citizen"),
            "official": ("공무원", "Official"),
            "agency_staff": ("기관 담당자", "Agency staff"),
            "reviewer": ("검토자", "Reviewer"),
            "panel_member": ("심사위원", "Panel member"),
            "chair": ("위원장·규제총괄관", "Chair"),
            "admin": ("관리자", "Administrator"),
        },
        "OrganisationKind": {
            "department": ("부서", "Department"),
            "district": ("자치구", "District"),
            "task_force": ("분야별 TF", "Task force"),
            "funded_agency": ("투자·출연기관", "City-funded agency"),
            "committee": ("위원회", "Committee"),
        },
        "SourceKind": {
            "citizen": ("시민", "Citizen"),
            "official": ("공무원", "Official"),
            "agency": ("기관", "Agency"),
        },
        "Stage": {
            "intake": ("접수", "Intake"),
            "review": ("검토", "Review"),
            "deliberation": ("심의", "Deliberation"),
            "decision": ("결정", "Decision"),
        },
        "State": {
            "draft": ("작성 중", "Draft"),
            "submitted": ("접수됨", "Submitted"),
            "info_requested": ("보완 요청 중", "Information requested"),
            "in_review": ("검토 중", "In review"),
            "in_deliberation": ("심의 중", "In deliberation"),
            "decided": ("결정됨", "Decided"),
            "announced": ("발표됨", "Announced"),
            "withdrawn": ("철회됨", "Withdrawn"),
            "merged": ("병합됨", "Merged"),
        },
        "Outcome": {
            "repeal": ("철폐", "Repeal"),
            "relax": ("완화·개선", "Relax"),
            "long_term": ("중장기 검토", "Long-term study"),
            "forward_central": ("중앙정부 건의", "Forward to central government"),
            "not_accepted": ("불수용", "Not accepted"),
            "withdrawn": ("철회", "Withdrawn"),
            "merged": ("중복 병합", "Merged"),
        },
        "PanelVote": {
            "repeal": ("철폐", "Repeal"),
            "relax": ("완화·개선", "Relax"),
            "long_term": ("중장기 검토", "Long-term study"),
            "not_accepted": ("불수용", "Not accepted"),
        },
        "ReviewKind": {
            "reviewer": ("검토자 의견", "Reviewer's opinion"),
            "department": ("소관부서 의견", "Owning department's opinion"),
        },
        "AnnouncementState": {
            "draft": ("작성 중", "Draft"),
            "published": ("발표됨", "Published"),
        },
        "ImplementationStage": {
            "preparing": ("이행 준비", "Preparing"),
            "ordinance_amendment": ("조례 개정 중", "Ordinance being amended"),
            "in_force": ("시행", "In force"),
        },
        "OutboxState": {
            "pending": ("대기", "Pending"),
            "done": ("완료", "Done"),
            "failed": ("실패", "Failed"),
        },
    }
)

OPEN_STATES = frozenset(
    {State.SUBMITTED, State.INFO_REQUESTED, State.IN_REVIEW, State.IN_DELIBERATION}
)
DECIDED_OUTCOMES = frozenset(
    {
        Outcome.REPEAL,
        Outcome.RELAX,
        Outcome.LONG_TERM,
        Outcome.FORWARD_CENTRAL,
        Outcome.NOT_ACCEPTED,
    }
)
ANNOUNCEABLE_OUTCOMES = frozenset({Outcome.REPEAL, Outcome.RELAX})
STAFF_ROLES = frozenset(set(Role) - {Role.CITIZEN})
# Roles that can change a proposal's fate log in with a second factor (TOTP).
TWO_FACTOR_ROLES = frozenset({Role.REVIEWER, Role.PANEL_MEMBER, Role.CHAIR, Role.ADMIN})
