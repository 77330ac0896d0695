"""assessment_score.unit was never written (always NULL): dropped

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assessment_score") as batch:
        batch.drop_column("unit")


def downgrade() -> None:
    with op.batch_alter_table("assessment_score") as batch:
        batch.add_column(sa.Column("unit", sa.String(length=20), nullable=True))
