"""consensus: aggregated labels per task and control, annotators' skills per control

Revision ID: 0009_consensus
Revises: 0012_llm_cache
Create Date: 2026-12-02 10:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009_consensus"
down_revision: str | None = "0012_llm_cache"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "task_consensus",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("control", sa.String(length=255), nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_task_consensus_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_consensus_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_consensus")),
    )
    with op.batch_alter_table("task_consensus", schema=None) as batch_op:
        batch_op.create_index("ix_task_consensus_task", ["task_id", "control"], unique=True)
        batch_op.create_index("ix_task_consensus_project", ["project_id", "task_id"], unique=False)

    op.create_table(
        "annotator_skills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("control", sa.String(length=255), nullable=False),
        sa.Column("skill", sa.Float(), nullable=True),
        sa.Column("gold_accuracy", sa.Float(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_annotator_skills_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_annotator_skills_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotator_skills")),
    )
    with op.batch_alter_table("annotator_skills", schema=None) as batch_op:
        batch_op.create_index(
            "ix_annotator_skills_project_user", ["project_id", "user_id", "control"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("annotator_skills", schema=None) as batch_op:
        batch_op.drop_index("ix_annotator_skills_project_user")
    op.drop_table("annotator_skills")
    with op.batch_alter_table("task_consensus", schema=None) as batch_op:
        batch_op.drop_index("ix_task_consensus_project")
        batch_op.drop_index("ix_task_consensus_task")
    op.drop_table("task_consensus")
