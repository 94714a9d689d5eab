"""review queue: a partial index over the annotations waiting for review

Revision ID: 0006_review_queue
Revises: 0005
Create Date: 2026-12-02 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_review_queue"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The predicate as each database's planner sees the review queue's WHERE (`services/reviews.py`).
SQLITE_WHERE = "review_state IS NULL AND was_cancelled IS 0"
POSTGRESQL_WHERE = "review_state IS NULL AND was_cancelled IS false"


def upgrade() -> None:
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_annotations_review_queue",
            ["project_id", "id"],
            unique=False,
            sqlite_where=sa.text(SQLITE_WHERE),
            postgresql_where=sa.text(POSTGRESQL_WHERE),
        )


def downgrade() -> None:
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_index("ix_annotations_review_queue")
