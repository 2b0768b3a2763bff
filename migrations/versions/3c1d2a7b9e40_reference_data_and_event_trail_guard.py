"""reference data (DOMAIN.md codes) and the append-only guard on the event trail

Revision ID: 3c1d2a7b9e40
Revises: 018a9c178b21
Create Date: 2026-11-22 06:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "3c1d2a7b9e40"
down_revision = "018a9c178b21"
branch_labels = None
depends_on = None

# Frozen copies: a migration never imports application code.
SECTORS = [
    ("construction_housing", "건설·주택", "Construction & housing"),
    ("business_smallbiz", "기업·소상공인", "Business & small merchants"),
    ("admin_welfare", "일반행정·복지", "General administration & welfare"),
    ("transport_env_safety", "교통·환경·안전", "Transport, environment & safety"),
]
REGULATION_TYPES = [
    ("economic", "경제규제", "Economic regulation"),
    ("excessive_standard", "과도한 기준 등", "Excessive standard"),
    ("citizen_inconvenience", "시민불편유발", "Citizen inconvenience"),
]
CHANNELS = [
    ("online_window", "온라인 시민제안 접수 창구", "Online proposal window", "citizen"),
    ("debate_forum", "대토론회", "Public debate forum", "citizen"),
    ("petition_desk", "규제개혁 신문고", "Regulation-reform petition desk", "citizen"),
    ("intensive_report", "100일 규제 집중신고제", "100-day intensive reporting drive", "citizen"),
    ("creative_contest", "규제혁신 우수 창의 제안", "Civil servants' creative proposals", "official"),
    ("task_force", "분야별 TF", "Sector task force", "agency"),
    ("district", "자치구", "District office", "agency"),
    ("funded_agency", "투자·출연기관", "City-funded agency", "agency"),
    ("other", "기타", "Other", None),
]
DECLINE_REASONS = [
    ("higher_law", "상위 법령과 충돌", "Conflicts with higher law"),
    ("safety", "안전 우려", "Safety concerns"),
    ("already_done", "이미 개선됨", "Already done"),
    ("outside_powers", "시 권한 밖", "Outside the city's powers"),
    ("duplicate", "중복 제안", "Duplicate"),
    ("infeasible", "실현 곤란", "Not feasible"),
    ("other", "기타", "Other"),
]


def upgrade():
    reference = sa.table(
        "x", sa.column("code"), sa.column("label_ko"), sa.column("label_en"),
        sa.column("position"), sa.column("active"),
    )

    def rows(items):
        return [
            {"code": c, "label_ko": ko, "label_en": en, "position": i, "active": True}
            for i, (c, ko, en, *_rest) in enumerate(items, start=1)
        ]

    for name, items in (("sector", SECTORS), ("regulation_type", REGULATION_TYPES),
                        ("decline_reason", DECLINE_REASONS)):
        reference.name = name
        op.bulk_insert(reference, rows(items))
    channel = sa.table(
        "channel", sa.column("code"), sa.column("label_ko"), sa.column("label_en"),
        sa.column("position"), sa.column("active"), sa.column("source_kind"),
    )
    op.bulk_insert(channel, [
        {"code": c, "label_ko": ko, "label_en": en, "position": i, "active": True,
         "source_kind": kind}
        for i, (c, ko, en, kind) in enumerate(CHANNELS, start=1)
    ])
    counter = sa.table("counter", sa.column("name"), sa.column("value"))
    op.bulk_insert(counter, [{"name": "repeal_no", "value": 0}])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION proposal_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN RAISE EXCEPTION 'proposal_event is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER proposal_event_append_only BEFORE UPDATE OR DELETE ON proposal_event"
            " FOR EACH ROW EXECUTE FUNCTION proposal_event_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER proposal_event_no_{action.lower()} BEFORE {action} ON proposal_event"
                " BEGIN SELECT RAISE(ABORT, 'proposal_event is append-only'); END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS proposal_event_append_only ON proposal_event")
        op.execute("DROP FUNCTION IF EXISTS proposal_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS proposal_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS proposal_event_no_delete")
    op.execute("DELETE FROM counter")
    for name in ("channel", "decline_reason", "regulation_type", "sector"):
        op.execute(f"DELETE FROM {name}")
