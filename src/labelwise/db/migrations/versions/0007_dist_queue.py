"""distribution: indexes the queue's rules walk (tasks in progress, predictions by score, rejected work)

Revision ID: 0007_dist
Revises: 0006_review_queue
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_dist"
down_revision: str | None = "0006_review_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Walked forward by ORDER BY total_annotations DESC, id: the columns' directions match it.
    op.create_index(
        "ix_tasks_queue_progress",
        "tasks",
        ["project_id", "is_labeled", sa.text("total_annotations DESC"), "id"],
        unique=False,
    )
    with op.batch_alter_table("predictions") as batch_op:
        batch_op.create_index(
            "ix_predictions_project_score", ["project_id", "score", "task_id"], unique=False
        )
    with op.batch_alter_table("annotations") as batch_op:
        batch_op.create_index(
            "ix_annotations_rejected",
            ["completed_by_id", "project_id", "task_id"],
            unique=False,
            sqlite_where=sa.text("review_state = 'rejected'"),
            postgresql_where=sa.text("review_state = 'rejected'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("annotations") as batch_op:
        batch_op.drop_index("ix_annotations_rejected")
    with op.batch_alter_table("predictions") as batch_op:
        batch_op.drop_index("ix_predictions_project_score")
    op.drop_index("ix_tasks_queue_progress", table_name="tasks")
