"""task agreement: tasks.agreement (and in the trash), indexed with the project for the data manager

Revision ID: 0013_agreement
Revises: 0010_gold
Create Date: 2026-12-02 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_agreement"
down_revision: str | None = "0010_gold"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tasks", sa.Column("agreement", sa.Float(), nullable=True))
    op.create_index("ix_tasks_agreement", "tasks", ["project_id", "agreement"], unique=False)
    op.add_column("trash_tasks", sa.Column("agreement", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("trash_tasks") as batch_op:
        batch_op.drop_column("agreement")
    op.drop_index("ix_tasks_agreement", table_name="tasks")
    with op.batch_alter_table("tasks") as batch_op:
        batch_op.drop_column("agreement")
