"""免报: waivers of one enterprise from one deliverable (waiver)

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "waiver",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("deliverable_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_by", sa.String(length=100), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.ForeignKeyConstraint(["deliverable_id"], ["deliverable.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_waiver_enterprise_id"), "waiver", ["enterprise_id"], unique=False)
    op.create_index(op.f("ix_waiver_deliverable_id"), "waiver", ["deliverable_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_waiver_deliverable_id"), table_name="waiver")
    op.drop_index(op.f("ix_waiver_enterprise_id"), table_name="waiver")
    op.drop_table("waiver")
