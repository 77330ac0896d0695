"""intake: task_item (rows of accepted Attachment 2 task lists)

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("deliverable_id", sa.Integer(), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("seq", sa.String(length=20), nullable=True),
        sa.Column("level1", sa.String(length=100), nullable=False),
        sa.Column("level2", sa.Text(), nullable=True),
        sa.Column("core_indicator", sa.String(length=40), nullable=True),
        sa.Column("benchmark_status", sa.Text(), nullable=True),
        sa.Column("current_status", sa.Text(), nullable=True),
        sa.Column("gap", sa.Text(), nullable=True),
        sa.Column("overall_target", sa.Text(), nullable=True),
        sa.Column("annual_target_text", sa.String(length=100), nullable=True),
        sa.Column("annual_target_value", sa.Float(), nullable=True),
        sa.Column("annual_target_unit", sa.String(length=20), nullable=True),
        sa.Column("annual_target_comparator", sa.String(length=8), nullable=True),
        sa.Column("measures", sa.Text(), nullable=True),
        sa.Column("actual_value", sa.Text(), nullable=True),
        sa.Column("scoring_rule", sa.Text(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("remarks", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["deliverable_id"], ["deliverable.id"]),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_id", "row_no", name="uq_task_item_row"),
    )
    with op.batch_alter_table("task_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_item_submission_id"), ["submission_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_item_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_item_deliverable_id"), ["deliverable_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("task_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_item_deliverable_id"))
        batch_op.drop_index(batch_op.f("ix_task_item_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_task_item_submission_id"))
    op.drop_table("task_item")
