"""备案 review of a received version: filed or returned, by whom, when, why (submission.review*)

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.add_column(sa.Column("review", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("review_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        for column in ("review_reason", "reviewed_at", "reviewed_by", "review"):
            batch.drop_column(column)
