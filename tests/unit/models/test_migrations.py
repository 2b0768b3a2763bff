"""Alembic owns the schema: the migrations build exactly what the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from models import Channel, Counter, RegulationType, Sector, db


def test_migrations_match_the_models(ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_reference_data_carries_the_domain_codes(ctx):
    assert set(db.session.scalars(select(Sector.code))) == {
        "construction_housing",
        "business_smallbiz",
        "admin_welfare",
        "transport_env_safety",
    }
    assert set(db.session.scalars(select(RegulationType.code))) == {
        "economic",
        "excessive_standard",
        "citizen_inconvenience",
    }
    assert db.session.get(Sector, "admin_welfare").label_ko == "일반행정·복지"
    channels = {c.code: c.source_kind for c in db.session.scalars(select(Channel))}
    assert channels["creative_contest"] == "official" and channels["other"] is None
    assert db.session.get(Counter, "repeal_no").value == 0
