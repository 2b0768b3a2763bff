"""``flask --app wsgi demo-data``: the 2025 campaign (규제철폐 100일, 2025-01-03 … 2025-04-12)
replayed through the workflow operations, deterministically.

What is fixed here is the *plan* of the data set — how many proposals came from which source and
channel, which outcome each reached, which announcements published the 123 repeals — taken from
DOMAIN.md. Every row is then produced by the same operations a person would use (submit, review,
merge, decline, deliberate, decide, publish), so every figure on the home page is computed from
the resulting database, never copied from here. Side effects (e-mails) are not recorded while
history is replayed.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from models import (
    Campaign,
    Channel,
    DeclineReason,
    Organisation,
    OrganisationKind,
    Proposal,
    RegulationType,
    Role,
    Sector,
    SourceKind,
    State,
    User,
)
from workflows import announcement as announcing
from workflows import deliberation, intake, outbox, review, triage
from workflows.dispatch import commit
from workflows.numbering import SEOUL

from . import corpus

SEED = 2025
CAMPAIGN_START = date(2025, 1, 3)
CAMPAIGN_END = date(2025, 4, 12)

# DOMAIN.md: 975 citizen, 753 official, 779 agency proposals, over these channels.
CHANNEL_PLAN: dict[tuple[SourceKind, str], int] = {
    (SourceKind.CITIZEN, "online_window"): 585,
    (SourceKind.CITIZEN, "debate_forum"): 130,
    (SourceKind.CITIZEN, "petition_desk"): 160,
    (SourceKind.CITIZEN, "intensive_report"): 100,
    (SourceKind.OFFICIAL, "creative_contest"): 753,
    (SourceKind.AGENCY, "task_force"): 402,
    (SourceKind.AGENCY, "district"): 236,
    (SourceKind.AGENCY, "funded_agency"): 141,
}
# Where the 2,384 proposals that did not become repeals ended up (the rest of the 2,507).
OTHER_OUTCOMES: dict[str, int] = {
    "not_accepted_review": 545,
    "not_accepted_panel": 360,
    "long_term": 340,
    "forward_central": 275,
    "merged": 300,
    "withdrawn": 85,
    "in_deliberation": 120,
    "in_review": 210,
    "info_requested": 60,
    "submitted": 89,
}
# Repeals by sector and regulation type (DOMAIN.md: 39 / 21 / 58 / 5 = 123).
REPEAL_TYPES: dict[str, dict[str, int]] = {
    "construction_housing": {"economic": 39},
    "business_smallbiz": {"economic": 12, "excessive_standard": 9},
    "admin_welfare": {"excessive_standard": 30, "citizen_inconvenience": 28},
    "transport_env_safety": {"excessive_standard": 3, "citizen_inconvenience": 2},
}


@dataclass(frozen=True)
class AnnouncementPlan:
    title: str
    on: date
    per_sector: dict[str, int]
    examples: tuple[str, ...]
    task_force: bool = False


ANNOUNCEMENTS = (
    AnnouncementPlan(
        "규제철폐 1차 발표 (주간 브리핑)",
        date(2025, 1, 16),
        {
            "construction_housing": 2,
            "business_smallbiz": 3,
            "admin_welfare": 4,
            "transport_env_safety": 1,
        },
        (
            "상업·준주거지역 내 비주거시설 비율 폐지 및 완화",
            "가락·강서시장 임대 소상공인 보증금 납부 방식 개선 (현금→보증보험)",
            "돌봄SOS 서비스별 상한 기준 폐지",
            "양재대로 자동차 전용도로 해제",
        ),
    ),
    AnnouncementPlan(
        "규제철폐 2차 발표 (주간 브리핑)",
        date(2025, 2, 6),
        {
            "construction_housing": 1,
            "business_smallbiz": 3,
            "admin_welfare": 7,
            "transport_env_safety": 1,
        },
        (
            "입체공원 제도 도입",
            "공원 내 상행위 제한적 허용",
            "매력일자리 중장년 참여자 연령 상한 폐지 (40~65세 → 40세 이상)",
            "차량진출입로 설치시설 요건 완화",
        ),
    ),
    AnnouncementPlan(
        "건설산업 규제철폐 TF 성과 보고회",
        date(2025, 2, 25),
        {"construction_housing": 34},
        ("소규모 건축물 용적률 완화",),
        task_force=True,
    ),
    AnnouncementPlan(
        "규제철폐 3차 발표 (주간 브리핑)",
        date(2025, 3, 13),
        {
            "construction_housing": 1,
            "business_smallbiz": 6,
            "admin_welfare": 14,
            "transport_env_safety": 1,
        },
        (
            "전통시장 정비사업 허용 대상 확대",
            "입간판 재료 규제 완화 (비철금속 → 금속 등)",
            "초등 긴급 일시돌봄 제공시설 선정 조건 폐지",
            "마을버스 최대이용가능 시간 완화 (1시간 → 2시간)",
        ),
    ),
    AnnouncementPlan(
        "규제철폐 4차 발표 (주간 브리핑)",
        date(2025, 3, 27),
        {
            "construction_housing": 1,
            "business_smallbiz": 5,
            "admin_welfare": 16,
            "transport_env_safety": 1,
        },
        ("청년수당 해외 결제 예외적 허용", "공공임대주택 주거 이동 기준 재정비"),
    ),
    AnnouncementPlan(
        "규제철폐 5차 발표 (주간 브리핑)",
        date(2025, 4, 10),
        {"business_smallbiz": 4, "admin_welfare": 17, "transport_env_safety": 1},
        ("서울형 키즈카페 이용대상 확대",),
    ),
)
# 규제철폐 33호 is the floor-area-ratio relief for small buildings: the 11th item of the
# construction task force's report (numbers 23 … 56).
FLOOR_AREA_POSITION_IN_TF_REPORT = 10

ORGANISATIONS = [
    ("reg_office", "규제혁신기획관", OrganisationKind.DEPARTMENT),
    ("creative_reg", "창의규제담당관", OrganisationKind.DEPARTMENT),
    ("reg_improve", "규제개선담당관", OrganisationKind.DEPARTMENT),
    ("housing_dept", "주택실", OrganisationKind.DEPARTMENT),
    ("economy_dept", "경제실", OrganisationKind.DEPARTMENT),
    ("welfare_dept", "복지실", OrganisationKind.DEPARTMENT),
    ("transport_dept", "교통실", OrganisationKind.DEPARTMENT),
    ("climate_dept", "기후환경본부", OrganisationKind.DEPARTMENT),
    ("tf_construction", "건설산업 규제철폐 TF", OrganisationKind.TASK_FORCE),
    ("tf_economy", "경제 규제철폐 TF", OrganisationKind.TASK_FORCE),
    ("tf_welfare", "복지 규제철폐 TF", OrganisationKind.TASK_FORCE),
    ("gu_jongno", "종로구", OrganisationKind.DISTRICT),
    ("gu_jung", "중구", OrganisationKind.DISTRICT),
    ("gu_seongdong", "성동구", OrganisationKind.DISTRICT),
    ("gu_gwangjin", "광진구", OrganisationKind.DISTRICT),
    ("gu_mapo", "마포구", OrganisationKind.DISTRICT),
    ("gu_guro", "구로구", OrganisationKind.DISTRICT),
    ("gu_gangnam", "강남구", OrganisationKind.DISTRICT),
    ("gu_gangdong", "강동구", OrganisationKind.DISTRICT),
    ("sh_corp", "서울주택도시개발공사", OrganisationKind.FUNDED_AGENCY),
    ("metro_corp", "서울교통공사", OrganisationKind.FUNDED_AGENCY),
    ("facilities_corp", "서울시설공단", OrganisationKind.FUNDED_AGENCY),
    ("credit_fund", "서울신용보증재단", OrganisationKind.FUNDED_AGENCY),
    ("reg_committee", "규제개혁위원회 심사위원회", OrganisationKind.COMMITTEE),
]

DEMO_ACCOUNTS = [
    ("citizen@demo.example", "김시민", Role.CITIZEN, None),
    ("official@demo.example", "이공무", Role.OFFICIAL, "housing_dept"),
    ("agency@demo.example", "박기관", Role.AGENCY_STAFF, "tf_construction"),
    ("reviewer@demo.example", "최검토", Role.REVIEWER, "creative_reg"),
    ("panel1@demo.example", "강심사", Role.PANEL_MEMBER, "reg_committee"),
    ("panel2@demo.example", "윤심사", Role.PANEL_MEMBER, "reg_committee"),
    ("panel3@demo.example", "장심사", Role.PANEL_MEMBER, "reg_committee"),
    ("chair@demo.example", "정총괄", Role.CHAIR, "reg_office"),
    ("admin@demo.example", "한관리", Role.ADMIN, "reg_office"),
]

DECLINE_CODES = ["higher_law", "safety", "already_done", "outside_powers", "infeasible", "other"]
DECLINE_TEXT = {
    "higher_law": "상위 법령에서 정한 기준으로 시 조례만으로 바꿀 수 없습니다.",
    "safety": "시민 안전과 직결되는 기준으로 현행 유지가 필요합니다.",
    "already_done": "이미 관련 기준을 개선하여 시행 중입니다.",
    "outside_powers": "시의 권한 밖의 사무로 소관 기관에 의견을 전달했습니다.",
    "infeasible": "예산과 집행 여건상 당장 실현하기 어렵습니다.",
    "other": "검토 결과 현 제도 안에서 해결할 수 있는 사항으로 판단했습니다.",
}


class DemoAlreadyLoaded(Exception):
    """The database already holds proposals; loading again would double them."""


@dataclass
class Plan:
    """One proposal of the data set: where it comes from and where it must end up."""

    source: SourceKind
    channel: str
    ending: str  # "repeal" or a key of OTHER_OUTCOMES
    sector: str = ""
    reg_type: str = ""
    title: str | None = None
    announcement: int | None = None
    order_in_announcement: int = 0
    submitted_at: datetime | None = None
    proposal_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _kst(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SEOUL).astimezone(UTC)


def reset_database() -> None:
    """Drop every table and rebuild the schema through the migrations."""
    downgrade(revision="base")
    upgrade()


def _ensure_empty(session: Session) -> None:
    count = session.scalar(select(func.count(Proposal.id))) or 0
    demo = session.scalar(select(User.id).where(User.email == "admin@demo.example"))
    if count or demo:
        raise DemoAlreadyLoaded(
            f"데모 데이터가 이미 있거나 제안 {count:,}건이 저장된 데이터베이스입니다. "
            "다시 만들려면 --reset 을 붙이십시오 / the database is not empty; use --reset"
        )


class _People:
    """Accounts of the replay: the demo accounts plus synthetic proposers and reviewers."""

    def __init__(self, session: Session, rng: random.Random, password: str) -> None:
        self.session = session
        self.rng = rng
        self.orgs: dict[str, Organisation] = {}
        for code, name, kind in ORGANISATIONS:
            org = Organisation(code=code, name=name, kind=kind)
            session.add(org)
            self.orgs[code] = org
        session.flush()
        password_hash = generate_password_hash(password)
        self.demo: dict[str, User] = {}
        for email, name, role, org_code in DEMO_ACCOUNTS:
            user = User(
                email=email,
                name=name,
                role=role,
                password_hash=password_hash,
                organisation_id=self.orgs[org_code].id if org_code else None,
            )
            session.add(user)
            self.demo[email.split("@")[0]] = user
        self.citizens = [
            self._synthetic(f"citizen{i:04d}", Role.CITIZEN, None) for i in range(1, 481)
        ]
        departments = [
            "housing_dept",
            "economy_dept",
            "welfare_dept",
            "transport_dept",
            "climate_dept",
            "creative_reg",
            "reg_improve",
        ]
        self.officials = [
            self._synthetic(f"official{i:03d}", Role.OFFICIAL, departments[i % 7])
            for i in range(1, 71)
        ]
        self.agency_staff: dict[str, list[User]] = defaultdict(list)
        for code, _name, kind in ORGANISATIONS:
            if kind in (
                OrganisationKind.TASK_FORCE,
                OrganisationKind.DISTRICT,
                OrganisationKind.FUNDED_AGENCY,
            ):
                for i in range(1, 3):
                    self.agency_staff[kind.value].append(
                        self._synthetic(f"{code}.{i}", Role.AGENCY_STAFF, code)
                    )
        self.agency_staff["task_force"].append(self.demo["agency"])
        self.reviewers = [self.demo["reviewer"]] + [
            self._synthetic(f"reviewer{i}", Role.REVIEWER, "reg_improve") for i in range(1, 4)
        ]
        self.panel = [self.demo["panel1"], self.demo["panel2"], self.demo["panel3"]]
        self.chair = self.demo["chair"]
        session.flush()

    def _synthetic(self, local: str, role: Role, org_code: str | None) -> User:
        user = User(
            email=f"{local}@people.demo.example",
            name=corpus.make_person_name(self.rng),
            role=role,
            password_hash=None,
            organisation_id=self.orgs[org_code].id if org_code else None,
        )
        self.session.add(user)
        return user

    def proposer_for(self, plan: Plan) -> User:
        if plan.source is SourceKind.CITIZEN:
            return self.rng.choice(self.citizens)
        if plan.source is SourceKind.OFFICIAL:
            return self.rng.choice(self.officials)
        kind = {
            "task_force": "task_force",
            "district": "district",
            "funded_agency": "funded_agency",
        }[plan.channel]
        return self.rng.choice(self.agency_staff[kind])


def _build_plans(rng: random.Random) -> list[Plan]:
    slots = [
        Plan(source, channel, "") for (source, channel), n in CHANNEL_PLAN.items() for _ in range(n)
    ]
    rng.shuffle(slots)
    examples = {title: (sector, reg_type) for title, sector, reg_type in corpus.NAMED_EXAMPLES}
    type_pools: dict[str, list[str]] = {}
    for sector, types in REPEAL_TYPES.items():
        pool = [t for t, n in types.items() for _ in range(n)]
        for ex_sector, ex_type in examples.values():
            if ex_sector == sector:
                pool.remove(ex_type)
        rng.shuffle(pool)
        type_pools[sector] = pool

    free = list(range(len(slots)))
    task_force_free = [i for i in free if slots[i].channel == "task_force"]
    taken: set[int] = set()
    for index, plan in enumerate(ANNOUNCEMENTS):
        items: list[tuple[str, str, str | None]] = []
        for title in plan.examples:
            sector, reg_type = examples[title]
            items.append((sector, reg_type, title))
        for sector, count in plan.per_sector.items():
            already = sum(1 for s, _t, _x in items if s == sector)
            for _ in range(count - already):
                items.append((sector, type_pools[sector].pop(), None))
        rng.shuffle(items)
        if plan.task_force:
            # Put the floor-area-ratio relief at its historical number.
            floor = next(i for i, item in enumerate(items) if item[2] == plan.examples[0])
            items.insert(FLOOR_AREA_POSITION_IN_TF_REPORT, items.pop(floor))
        candidates = task_force_free if plan.task_force else free
        for order, (sector, reg_type, title) in enumerate(items):
            slot_index = next(i for i in candidates if i not in taken)
            taken.add(slot_index)
            slot = slots[slot_index]
            slot.ending, slot.sector, slot.reg_type, slot.title = "repeal", sector, reg_type, title
            slot.announcement, slot.order_in_announcement = index, order
    assert all(not pool for pool in type_pools.values())

    rest = [slots[i] for i in range(len(slots)) if i not in taken]
    endings = [name for name, n in OTHER_OUTCOMES.items() for _ in range(n)]
    assert len(endings) == len(rest)
    rng.shuffle(endings)
    sector_weights = {
        "construction_housing": 30,
        "business_smallbiz": 22,
        "admin_welfare": 36,
        "transport_env_safety": 12,
    }
    for slot, ending in zip(rest, endings, strict=True):
        slot.ending = ending
        slot.sector = rng.choices(list(sector_weights), list(sector_weights.values()))[0]
        slot.reg_type = rng.choice(["economic", "excessive_standard", "citizen_inconvenience"])
    return slots


def _submission_times(rng: random.Random, plans: list[Plan]) -> None:
    """Spread submissions over the 100 days; repeals arrive in time for their announcement,
    cases still open at the end arrive late."""
    days = (CAMPAIGN_END - CAMPAIGN_START).days
    for plan in plans:
        if plan.ending == "repeal":
            assert plan.announcement is not None
            deadline = ANNOUNCEMENTS[plan.announcement].on - timedelta(days=8)
            span = max((deadline - CAMPAIGN_START).days, 0)
            day = CAMPAIGN_START + timedelta(days=rng.randint(0, span))
        elif plan.ending in ("submitted", "info_requested", "in_review", "in_deliberation"):
            day = CAMPAIGN_END - timedelta(days=rng.randint(0, 30))
        else:
            day = CAMPAIGN_START + timedelta(days=rng.randint(0, days - 12))
        plan.submitted_at = _kst(day, rng.randint(9, 17), rng.randint(0, 59))


def load_demo_data(session: Session, *, password: str) -> str:
    """Replay the campaign and commit; returns a one-line summary."""
    _ensure_empty(session)
    rng = random.Random(SEED)
    with outbox.suppressed(session):
        summary = _replay(session, rng, password)
    commit(session)
    return summary


def _replay(session: Session, rng: random.Random, password: str) -> str:
    session.add(
        Campaign(
            code="2025-100days",
            name="규제철폐 100일",
            starts_on=CAMPAIGN_START,
            ends_on=CAMPAIGN_END,
        )
    )
    people = _People(session, rng, password)
    # Hold the reference rows so the operations' lookups hit the identity map, not the database.
    reference = [  # noqa: F841 - kept alive on purpose
        *session.scalars(select(Channel)),
        *session.scalars(select(Sector)),
        *session.scalars(select(RegulationType)),
        *session.scalars(select(DeclineReason)),
        *session.scalars(select(Campaign)),
    ]
    plans = _build_plans(rng)
    _submission_times(rng, plans)
    plans.sort(key=lambda p: p.submitted_at or datetime.min.replace(tzinfo=UTC))
    _give_demo_citizen_some(plans, rng)

    proposals: dict[int, Proposal] = {}
    texts: dict[int, corpus.ProposalText] = {}
    earlier_by_sector: dict[str, list[int]] = defaultdict(list)
    for number, plan in enumerate(plans):
        assert plan.submitted_at is not None
        if plan.extra.get("proposer") == "demo-citizen":
            proposer = people.demo["citizen"]
        else:
            proposer = people.proposer_for(plan)
        if plan.ending == "merged" and earlier_by_sector[plan.sector]:
            target_id = rng.choice(earlier_by_sector[plan.sector][-80:])
            plan.extra["merge_into"] = target_id
            text = corpus.make_duplicate_text(rng, texts[target_id])
        elif plan.title:
            text = corpus.example_text(rng, plan.title, plan.sector, plan.reg_type)
        else:
            text = corpus.make_text(rng, plan.sector, plan.reg_type)
        suggest = rng.random() < 0.6
        fields = intake.ProposalFields(
            title=text.title,
            current_regulation=text.current_regulation,
            legal_basis=text.legal_basis,
            problem=text.problem,
            proposed_change=text.proposed_change,
            expected_effect=text.expected_effect,
            sector_code=plan.sector if suggest else None,
            regulation_type_code=plan.reg_type if suggest else None,
        )
        assisted = plan.channel in ("debate_forum", "petition_desk")
        actor = rng.choice(people.reviewers) if assisted else proposer
        proposal = intake.submit_new_proposal(
            session,
            actor,
            fields,
            channel_code=plan.channel,
            consent=True,
            proposer=proposer,
            at=plan.submitted_at,
        )
        plan.proposal_id = proposal.id
        proposals[proposal.id] = proposal
        texts[proposal.id] = text
        if plan.ending not in ("merged", "withdrawn"):
            earlier_by_sector[plan.sector].append(proposal.id)
        plan.extra["proposer"] = proposer
        if number % 500 == 499:
            session.flush()

    panel_items: dict[date, list[tuple[Plan, Proposal]]] = defaultdict(list)
    for plan in plans:
        _progress(
            session, rng, people, plan, proposals[plan.proposal_id or 0], proposals, panel_items
        )
    _deliberate_and_decide(session, rng, people, plans, proposals, panel_items)
    _announce(session, rng, people, plans, proposals)
    session.flush()
    total = session.scalar(select(func.count(Proposal.id)))
    announced = session.scalar(
        select(func.count(Proposal.id)).where(Proposal.state == State.ANNOUNCED)
    )
    return f"demo data loaded: {total:,} proposals, {announced} repeals announced"


def _give_demo_citizen_some(plans: list[Plan], rng: random.Random) -> None:
    """The demo citizen's own proposals show each kind of outcome a proposer can see."""
    wanted = ["repeal", "info_requested", "in_review", "not_accepted_review", "submitted"]
    for ending in wanted:
        plan = next(
            p
            for p in plans
            if p.ending == ending
            and p.source is SourceKind.CITIZEN
            and p.channel == "online_window"
            and "proposer" not in p.extra
        )
        plan.extra["demo_citizen"] = True
    for plan in plans:
        if plan.extra.pop("demo_citizen", False):
            plan.extra["proposer"] = "demo-citizen"


def _after(at: datetime, rng: random.Random, low_days: int, high_days: int) -> datetime:
    return at + timedelta(days=rng.randint(low_days, high_days), hours=rng.randint(0, 6))


def _progress(
    session: Session,
    rng: random.Random,
    people: _People,
    plan: Plan,
    proposal: Proposal,
    proposals: dict[int, Proposal],
    panel_items: dict[date, list[tuple[Plan, Proposal]]],
) -> None:
    """Take one proposal from intake to where its plan says it ends (before the panel)."""
    ending = plan.ending
    if ending == "submitted":
        return
    reviewer = rng.choice(people.reviewers)
    at = _after(proposal.submitted_at or plan.submitted_at or datetime.now(UTC), rng, 0, 2)
    if plan.ending == "repeal":
        at = min(at, _kst(ANNOUNCEMENTS[plan.announcement or 0].on - timedelta(days=7), 10))
    triage.start_review(session, reviewer, proposal, at=at)
    triage.classify_proposal(
        session,
        reviewer,
        proposal,
        sector_code=plan.sector,
        regulation_type_code=plan.reg_type,
        at=at + timedelta(minutes=20),
    )
    if ending == "info_requested":
        triage.request_information(
            session,
            reviewer,
            proposal,
            at=at + timedelta(hours=2),
            question="현행 규제로 실제 불편을 겪은 사례와 관련 조문을 알려 주십시오.",
        )
        return
    if ending == "merged":
        target = proposals.get(plan.extra.get("merge_into", 0))
        if target is not None and target.state not in (State.MERGED, State.WITHDRAWN):
            triage.merge_proposal(
                session, reviewer, proposal, into=target, at=at + timedelta(hours=3)
            )
            return
        ending = "not_accepted_review"
    proposer = plan.extra["proposer"]
    if ending != "repeal" and rng.random() < 0.08:
        triage.request_information(
            session,
            reviewer,
            proposal,
            at=at + timedelta(hours=1),
            question="제안 내용을 조금 더 구체적으로 적어 주십시오.",
        )
        triage.answer_information_request(
            session,
            proposer,
            proposal,
            at=at + timedelta(days=2),
            answer="불편 사례와 개선 방향을 보완하여 다시 제출합니다.",
        )
        at += timedelta(days=2)
    if ending == "withdrawn":
        triage.withdraw_proposal(
            session,
            proposer,
            proposal,
            at=_after(at, rng, 1, 5),
            reason="다른 경로로 해결되어 철회합니다.",
        )
        return
    if ending == "forward_central":
        triage.forward_to_central(
            session,
            reviewer,
            proposal,
            at=_after(at, rng, 2, 8),
            reasons="법률 개정이 필요한 사항으로 중앙정부에 제도 개선을 건의합니다.",
            external_ref=f"국무조정실 건의 2025-{rng.randint(100, 999)}",
        )
        return
    if ending == "not_accepted_review":
        code = rng.choice(DECLINE_CODES)
        triage.decline_proposal(
            session,
            reviewer,
            proposal,
            reason_code=code,
            reasons=DECLINE_TEXT[code],
            at=_after(at, rng, 2, 10),
        )
        return
    review.record_review(
        session,
        reviewer,
        proposal,
        at=at + timedelta(days=1),
        opinion="현행 기준의 필요성이 낮고 시민 불편이 커 개선이 필요하다고 판단합니다.",
        recommendation="repeal" if ending == "repeal" else None,
    )
    if ending == "in_review":
        return
    sent = at + timedelta(days=2)
    review.send_to_deliberation(session, reviewer, proposal, at=sent)
    if ending == "in_deliberation":
        return
    if ending == "repeal":
        meeting = ANNOUNCEMENTS[plan.announcement or 0].on - timedelta(days=2)
    else:
        meeting = _next_thursday(
            (sent + timedelta(days=rng.randint(3, 12))).astimezone(SEOUL).date()
        )
    panel_items[meeting].append((plan, proposal))


def _next_thursday(day: date) -> date:
    return day + timedelta(days=(3 - day.weekday()) % 7)


def _deliberate_and_decide(
    session: Session,
    rng: random.Random,
    people: _People,
    plans: list[Plan],
    proposals: dict[int, Proposal],
    panel_items: dict[date, list[tuple[Plan, Proposal]]],
) -> None:
    """One panel session per meeting day: three members give opinions, the chair decides."""
    for meeting in sorted(panel_items):
        items = sorted(
            panel_items[meeting],
            key=lambda pair: (pair[0].announcement or 0, pair[0].order_in_announcement, pair[1].id),
        )
        panel = deliberation.create_panel_session(
            session,
            people.chair,
            title=f"규제개혁 심사위원회 ({meeting.isoformat()})",
            held_on=meeting,
            members=people.panel,
            quorum=2,
            agenda=[proposal for _plan, proposal in items],
        )
        held = _kst(meeting, 14)
        for (plan, proposal), item in zip(items, panel.agenda, strict=True):
            accepted = plan.ending == "repeal"
            relax = accepted and not any(w in proposal.title for w in ("폐지", "해제"))
            outcome = (
                ("relax" if relax else "repeal")
                if accepted
                else ("long_term" if plan.ending == "long_term" else "not_accepted")
            )
            recused = 0
            for member in people.panel:
                if rng.random() < 0.04:
                    # A member recuses only while the others can still reach the quorum; a
                    # second conflict on the same item is given as a plain opinion instead.
                    if recused < len(people.panel) - panel.quorum:
                        recused += 1
                        deliberation.declare_conflict(
                            session, member, item, at=held, reason="관련 단체 자문 이력"
                        )
                        continue
                    deliberation.record_opinion(
                        session, member, item, vote=outcome, score=3, comment="", at=held
                    )
                    continue
                vote = (
                    outcome
                    if rng.random() < 0.85
                    else rng.choice(["repeal", "relax", "long_term", "not_accepted"])
                )
                deliberation.record_opinion(
                    session,
                    member,
                    item,
                    vote=vote,
                    score=rng.randint(3, 5) if accepted else rng.randint(1, 3),
                    comment="",
                    at=held,
                )
            decided_at = held + timedelta(hours=2, minutes=plan.order_in_announcement)
            deliberation.decide_proposal(
                session,
                people.chair,
                proposal,
                outcome=outcome,
                at=decided_at,
                reasons=(
                    "불합리한 규제로 시민과 기업의 부담을 줄이기 위해 철폐·완화합니다."
                    if accepted
                    else "심의 결과 현 단계에서는 수용하기 어렵습니다."
                ),
                responsible_official=rng.choice(people.officials).name,
                reason_code=None
                if accepted or outcome == "long_term"
                else rng.choice(DECLINE_CODES),
            )


def _announce(
    session: Session,
    rng: random.Random,
    people: _People,
    plans: list[Plan],
    proposals: dict[int, Proposal],
) -> None:
    for index, plan in enumerate(ANNOUNCEMENTS):
        announcement = announcing.create_announcement(
            session, people.chair, title=plan.title, announced_on=plan.on
        )
        members = sorted(
            (p for p in plans if p.ending == "repeal" and p.announcement == index),
            key=lambda p: p.order_in_announcement,
        )
        for member in members:
            announcing.add_to_announcement(
                session,
                people.chair,
                announcement,
                proposals[member.proposal_id or 0],
                at=_kst(plan.on, 9),
            )
        announcing.publish_announcement(session, people.chair, announcement, at=_kst(plan.on, 10))
        for member in members:
            _implement(session, rng, people, proposals[member.proposal_id or 0], plan.on)


def _implement(
    session: Session, rng: random.Random, people: _People, proposal: Proposal, announced_on: date
) -> None:
    """After the announcement many repeals need an ordinance change before they take effect."""
    needs_ordinance = rng.random() < 0.55
    roll = rng.random()
    reviewer = rng.choice(people.reviewers)
    if needs_ordinance and roll < 0.6:
        announcing.update_implementation(
            session,
            reviewer,
            proposal,
            stage="ordinance_amendment",
            ordinance_change_needed=True,
            at=_kst(announced_on + timedelta(days=rng.randint(5, 20)), 11),
            note="조례 개정안을 입법예고했습니다.",
        )
    elif roll < 0.75:
        effective = announced_on + timedelta(days=rng.randint(7, 75))
        announcing.update_implementation(
            session,
            reviewer,
            proposal,
            stage="in_force",
            ordinance_change_needed=needs_ordinance,
            effective_on=effective,
            at=_kst(effective, 9),
            note="개정 기준을 시행했습니다.",
        )
