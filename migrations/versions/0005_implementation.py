"""implementation phase: annual assessment and half-year progress

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-29 06:11:19.728656
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'assessment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('as_of', sa.DateTime(timezone=True), nullable=False),
        sa.Column('flow_run_id', sa.String(length=64), nullable=True),
        sa.Column('reviewer', sa.String(length=100), nullable=True),
        sa.Column('finalized_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('year'),
    )
    op.create_table(
        'assessment_result',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('base_total', sa.Float(), nullable=False),
        sa.Column('bonus', sa.Float(), nullable=False),
        sa.Column('total', sa.Float(), nullable=False),
        sa.Column('rank_in_category', sa.Integer(), nullable=False),
        sa.Column('category_size', sa.Integer(), nullable=False),
        sa.Column('grade', sa.String(length=20), nullable=False),
        sa.Column('notes', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ['assessment_id'],
            ['assessment.id'],
        ),
        sa.ForeignKeyConstraint(
            ['enterprise_id'],
            ['enterprise.id'],
        ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('assessment_id', 'enterprise_id', name='uq_assessment_result'),
    )
    with op.batch_alter_table('assessment_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_result_assessment_id'), ['assessment_id'], unique=False)

    op.create_table(
        'assessment_score',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('row_no', sa.Integer(), nullable=False),
        sa.Column('dimension', sa.String(length=100), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('indicator', sa.String(length=40), nullable=True),
        sa.Column('direction', sa.String(length=8), nullable=False),
        sa.Column('target', sa.Float(), nullable=True),
        sa.Column('actual', sa.Float(), nullable=True),
        sa.Column('unit', sa.String(length=20), nullable=True),
        sa.Column('weight', sa.Float(), nullable=False),
        sa.Column('rule_kind', sa.String(length=20), nullable=False),
        sa.Column('rule_text', sa.Text(), nullable=False),
        sa.Column('completion', sa.Float(), nullable=True),
        sa.Column('auto_score', sa.Float(), nullable=True),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('adjusted', sa.Boolean(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['assessment_id'],
            ['assessment.id'],
        ),
        sa.ForeignKeyConstraint(
            ['enterprise_id'],
            ['enterprise.id'],
        ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('assessment_id', 'enterprise_id', 'row_no', name='uq_assessment_score_row'),
    )
    with op.batch_alter_table('assessment_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_score_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_score_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table(
        'progress_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('deliverable_id', sa.Integer(), nullable=False),
        sa.Column('task_row_no', sa.Integer(), nullable=False),
        sa.Column('dimension', sa.String(length=100), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('target_text', sa.String(length=100), nullable=True),
        sa.Column('value_text', sa.String(length=100), nullable=True),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('issues', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ['deliverable_id'],
            ['deliverable.id'],
        ),
        sa.ForeignKeyConstraint(
            ['enterprise_id'],
            ['enterprise.id'],
        ),
        sa.ForeignKeyConstraint(
            ['submission_id'],
            ['submission.id'],
        ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('submission_id', 'task_row_no', name='uq_progress_item_row'),
    )
    with op.batch_alter_table('progress_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_item_deliverable_id'), ['deliverable_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_progress_item_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_progress_item_submission_id'), ['submission_id'], unique=False)

    op.create_table(
        'progress_narrative',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['submission_id'],
            ['submission.id'],
        ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('submission_id'),
    )


def downgrade() -> None:
    op.drop_table('progress_narrative')
    with op.batch_alter_table('progress_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_item_submission_id'))
        batch_op.drop_index(batch_op.f('ix_progress_item_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_progress_item_deliverable_id'))

    op.drop_table('progress_item')
    with op.batch_alter_table('assessment_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_score_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_assessment_score_assessment_id'))

    op.drop_table('assessment_score')
    with op.batch_alter_table('assessment_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_result_assessment_id'))

    op.drop_table('assessment_result')
    op.drop_table('assessment')
