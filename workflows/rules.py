"""The process in one place: which operation moves a proposal from which states to which, and who
may ask for it. Every operation checks itself against this table; a test walks all of it."""

from __future__ import annotations

from dataclasses import dataclass

from models import Role, Stage, State

PROPOSER_ROLES = frozenset({Role.CITIZEN, Role.OFFICIAL, Role.AGENCY_STAFF})
OFFICE_ROLES = frozenset({Role.REVIEWER, Role.CHAIR})


@dataclass(frozen=True)
class Operation:
    name: str
    from_states: frozenset[State]
    # None: the operation records something without moving the proposal.
    to_state: State | None
    roles: frozenset[Role]
    # Only the proposer of the object may do it (besides the role check).
    proposer_only: bool
    phrase_ko: str  # completes "… 제안은 ~ 수 없습니다"
    phrase_en: str  # completes "A … proposal cannot ~"


def _op(
    name: str,
    from_states: set[State],
    to_state: State | None,
    roles: frozenset[Role] | set[Role],
    phrase_ko: str,
    phrase_en: str,
    *,
    proposer_only: bool = False,
) -> Operation:
    return Operation(
        name,
        frozenset(from_states),
        to_state,
        frozenset(roles),
        proposer_only,
        phrase_ko,
        phrase_en,
    )


_TRIAGE = {State.SUBMITTED, State.INFO_REQUESTED, State.IN_REVIEW}
_OPEN = {State.SUBMITTED, State.INFO_REQUESTED, State.IN_REVIEW, State.IN_DELIBERATION}

OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        _op(
            "submit_proposal",
            {State.DRAFT},
            State.SUBMITTED,
            PROPOSER_ROLES | {Role.REVIEWER},
            "제출할",
            "be submitted",
            proposer_only=True,
        ),
        _op(
            "edit_draft",
            {State.DRAFT},
            None,
            PROPOSER_ROLES | {Role.REVIEWER},
            "고쳐 쓸",
            "be edited",
            proposer_only=True,
        ),
        _op(
            "start_review",
            {State.SUBMITTED},
            State.IN_REVIEW,
            OFFICE_ROLES,
            "검토를 시작할",
            "be taken into review",
        ),
        _op("classify_proposal", _OPEN, None, OFFICE_ROLES, "분류할", "be classified"),
        _op(
            "assign_reviewer",
            _TRIAGE,
            None,
            OFFICE_ROLES,
            "검토자를 지정할",
            "be assigned to a reviewer",
        ),
        _op(
            "transfer_to_department",
            _TRIAGE,
            None,
            OFFICE_ROLES,
            "소관부서로 이관할",
            "be transferred to its owning department",
        ),
        _op(
            "request_information",
            {State.SUBMITTED, State.IN_REVIEW},
            State.INFO_REQUESTED,
            OFFICE_ROLES,
            "보완을 요청할",
            "be sent back for more information",
        ),
        _op(
            "answer_information_request",
            {State.INFO_REQUESTED},
            State.IN_REVIEW,
            PROPOSER_ROLES,
            "보완 답변을 받을",
            "be answered",
            proposer_only=True,
        ),
        _op(
            "merge_proposal",
            _TRIAGE,
            State.MERGED,
            OFFICE_ROLES,
            "병합할",
            "be merged into another proposal",
        ),
        _op(
            "withdraw_proposal",
            _OPEN,
            State.WITHDRAWN,
            PROPOSER_ROLES,
            "철회할",
            "be withdrawn",
            proposer_only=True,
        ),
        _op(
            "forward_to_central",
            {State.SUBMITTED, State.IN_REVIEW},
            State.DECIDED,
            OFFICE_ROLES,
            "중앙정부에 건의할",
            "be forwarded to the central government",
        ),
        _op(
            "decline_proposal",
            {State.SUBMITTED, State.IN_REVIEW},
            State.DECIDED,
            OFFICE_ROLES,
            "불수용 처리할",
            "be declined",
        ),
        _op(
            "record_review",
            {State.IN_REVIEW},
            None,
            # The owning department answers through record_department_opinion, which holds it
            # to the burden of proof; this is the office's own opinion.
            OFFICE_ROLES,
            "검토 의견을 받을",
            "receive a review",
        ),
        _op(
            "record_department_opinion",
            {State.IN_REVIEW},
            None,
            {Role.OFFICIAL},
            "소관부서 의견을 받을",
            "receive the owning department's opinion",
        ),
        _op(
            "send_to_deliberation",
            {State.IN_REVIEW},
            State.IN_DELIBERATION,
            OFFICE_ROLES,
            "심의에 회부할",
            "be sent to deliberation",
        ),
        _op(
            "record_opinion",
            {State.IN_DELIBERATION},
            None,
            {Role.PANEL_MEMBER},
            "심사 의견을 받을",
            "receive a panel opinion",
        ),
        _op(
            "declare_conflict",
            {State.IN_DELIBERATION},
            None,
            {Role.PANEL_MEMBER},
            "이해충돌을 신고할",
            "take a conflict-of-interest declaration",
        ),
        _op(
            "decide_proposal",
            {State.IN_DELIBERATION},
            State.DECIDED,
            {Role.CHAIR},
            "결정할",
            "be decided",
        ),
        _op(
            "request_reexamination",
            {State.DECIDED},
            State.IN_REVIEW,
            PROPOSER_ROLES,
            "재심사를 요청할",
            "be re-examined",
            proposer_only=True,
        ),
        _op(
            "add_to_announcement",
            {State.DECIDED},
            None,
            {Role.CHAIR},
            "발표에 포함할",
            "be put in an announcement",
        ),
        _op(
            "publish_announcement",
            {State.DECIDED},
            State.ANNOUNCED,
            {Role.CHAIR},
            "발표할",
            "be announced",
        ),
        _op(
            "update_implementation",
            {State.ANNOUNCED},
            None,
            OFFICE_ROLES | {Role.OFFICIAL},
            "이행 상황을 기록할",
            "have its implementation recorded",
        ),
    )
}

# The same table read the other way: state -> the states it may move to.
ALLOWED_NEXT: dict[State, frozenset[State]] = {
    state: frozenset(
        op.to_state
        for op in OPERATIONS.values()
        if state in op.from_states and op.to_state is not None
    )
    for state in State
}

# Where a proposal stands once it reaches a state (withdrawn/merged keep the stage they stopped in;
# an information request keeps the stage it was asked from).
STAGE_OF: dict[State, Stage | None] = {
    State.DRAFT: Stage.INTAKE,
    State.SUBMITTED: Stage.INTAKE,
    State.INFO_REQUESTED: None,
    State.IN_REVIEW: Stage.REVIEW,
    State.IN_DELIBERATION: Stage.DELIBERATION,
    State.DECIDED: Stage.DECISION,
    State.ANNOUNCED: Stage.DECISION,
    State.WITHDRAWN: None,
    State.MERGED: None,
}

STATE_ADJECTIVE_KO: dict[State, str] = {
    State.DRAFT: "작성 중인",
    State.SUBMITTED: "접수된",
    State.INFO_REQUESTED: "보완 요청 중인",
    State.IN_REVIEW: "검토 중인",
    State.IN_DELIBERATION: "심의 중인",
    State.DECIDED: "결정된",
    State.ANNOUNCED: "발표된",
    State.WITHDRAWN: "철회된",
    State.MERGED: "병합된",
}

STATE_ADJECTIVE_EN: dict[State, str] = {
    State.DRAFT: "draft",
    State.SUBMITTED: "submitted",
    State.INFO_REQUESTED: "waiting-for-information",
    State.IN_REVIEW: "in-review",
    State.IN_DELIBERATION: "in-deliberation",
    State.DECIDED: "decided",
    State.ANNOUNCED: "announced",
    State.WITHDRAWN: "withdrawn",
    State.MERGED: "merged",
}


def refusal_message(operation: Operation, state: State) -> tuple[str, str]:
    """The rule that forbids ``operation`` in ``state``, in Korean and English."""
    ko = f"{STATE_ADJECTIVE_KO[state]} 제안은 {operation.phrase_ko} 수 없습니다"
    adjective = STATE_ADJECTIVE_EN[state]
    article = "An" if adjective[0] in "aeiou" else "A"
    en = f"{article} {adjective} proposal cannot {operation.phrase_en}"
    return ko, en
