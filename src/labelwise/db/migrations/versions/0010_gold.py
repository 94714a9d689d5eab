"""gold tasks: tasks.is_gold (and in the trash), gold answers, exam results

Revision ID: 0010_gold
Revises: 0011_ml
Create Date: 2026-12-02 10:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_gold"
down_revision: str | None = "0011_ml"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tasks", sa.Column("is_gold", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index(
        "ix_tasks_gold",
        "tasks",
        ["project_id", "is_gold", "id"],
        unique=False,
        sqlite_where=sa.text("is_gold = 1"),
        postgresql_where=sa.text("is_gold = true"),
    )
    op.add_column("trash_tasks", sa.Column("is_gold", sa.Boolean(), nullable=True))
    op.create_table(
        "gold_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_gold_answers_project_id_projects", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name="fk_gold_answers_task_id_tasks", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_gold_answers_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_gold_answers"),
    )
    op.create_index(
        "ix_gold_answers_project_user", "gold_answers", ["project_id", "user_id", "id"], unique=False
    )
    op.create_table(
        "exam_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_exam_results_project_id_projects", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_exam_results_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_exam_results"),
        sa.UniqueConstraint("project_id", "user_id", name="uq_exam_results_project_user"),
    )


def downgrade() -> None:
    op.drop_table("exam_results")
    op.drop_index("ix_gold_answers_project_user", table_name="gold_answers")
    op.drop_table("gold_answers")
    with op.batch_alter_table("trash_tasks") as batch_op:
        batch_op.drop_column("is_gold")
    op.drop_index("ix_tasks_gold", table_name="tasks")
    with op.batch_alter_table("tasks") as batch_op:
        batch_op.drop_column("is_gold")
