"""创标 is about subsidiaries: retire the district-level tier (enterprise.tier) and its bonus (assessment_result.bonus)

Each enterprise now names its 创标 subsidiaries in Attachment 1 (二、对标目标), kept with the accepted version
(submission.details["chuangbiao"], revision 0009). Totals already stored keep their value: a year finalised
with a bonus still shows the total it was finalised with; the bonus itself is no longer recorded apart.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ALTER TABLE … DROP COLUMN (SQLite >= 3.35, PostgreSQL): batch mode would copy and drop the enterprise
    # table, which every other table references, and SQLite's foreign keys refuse that once data exists.
    op.drop_column("enterprise", "tier")
    op.drop_column("assessment_result", "bonus")


def downgrade() -> None:
    with op.batch_alter_table("assessment_result", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bonus", sa.Float(), nullable=False, server_default="0"))
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tier", sa.String(length=8), nullable=False, server_default="达标"))
