"""team workflow: assignments, pauses, reviews, trash, webhooks

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 01:33:29.420442
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deletions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("restored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("restored_by_id", sa.Integer(), nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["deleted_by_id"],
            ["users.id"],
            name=op.f("fk_deletions_deleted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_deletions_project_id_projects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["restored_by_id"],
            ["users.id"],
            name=op.f("fk_deletions_restored_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deletions")),
    )
    with op.batch_alter_table("deletions", schema=None) as batch_op:
        batch_op.create_index("ix_deletions_project", ["project_id", "id"], unique=False)

    op.create_table(
        "pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("paused_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("verbose_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["deleted_by_id"], ["users.id"], name=op.f("fk_pauses_deleted_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["paused_by_id"], ["users.id"], name=op.f("fk_pauses_paused_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_pauses_project_id_projects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_pauses_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pauses")),
    )
    with op.batch_alter_table("pauses", schema=None) as batch_op:
        batch_op.create_index("ix_pauses_project_user", ["project_id", "user_id"], unique=False)

    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("send_payload", sa.Boolean(), nullable=False),
        sa.Column("send_for_all_actions", sa.Boolean(), nullable=False),
        sa.Column("headers", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("actions", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_webhooks_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_webhooks_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.create_index("ix_webhooks_project", ["project_id"], unique=False)

    op.create_table(
        "task_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=2), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"],
            ["users.id"],
            name=op.f("fk_task_assignments_assigned_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_task_assignments_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_assignments_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_task_assignments_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_assignments")),
        sa.UniqueConstraint("task_id", "user_id", "type", name="uq_task_assignments_task_user_type"),
    )
    with op.batch_alter_table("task_assignments", schema=None) as batch_op:
        batch_op.create_index("ix_task_assignments_project", ["project_id", "task_id"], unique=False)
        batch_op.create_index(
            "ix_task_assignments_queue", ["user_id", "project_id", "type", "task_id"], unique=False
        )

    op.create_table(
        "trash_annotations",
        sa.Column("trash_id", sa.Integer(), nullable=False),
        sa.Column("deletion_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("was_cancelled", sa.Boolean(), nullable=True),
        sa.Column("ground_truth", sa.Boolean(), nullable=True),
        sa.Column("lead_time", sa.Double(), nullable=True),
        sa.Column("parent_prediction_id", sa.Integer(), nullable=True),
        sa.Column("parent_annotation_id", sa.Integer(), nullable=True),
        sa.Column("last_action", sa.String(length=40), nullable=True),
        sa.Column("review_state", sa.String(length=20), nullable=True),
        sa.Column("skip_reason", sa.String(length=500), nullable=True),
        sa.Column("unique_id", sa.String(length=36), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("draft_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["deletion_id"],
            ["deletions.id"],
            name=op.f("fk_trash_annotations_deletion_id_deletions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("trash_id", name=op.f("pk_trash_annotations")),
    )
    with op.batch_alter_table("trash_annotations", schema=None) as batch_op:
        batch_op.create_index("ix_trash_annotations_deletion", ["deletion_id"], unique=False)

    op.create_table(
        "trash_predictions",
        sa.Column("trash_id", sa.Integer(), nullable=False),
        sa.Column("deletion_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("model_version", sa.String(length=255), nullable=True),
        sa.Column("cluster", sa.Integer(), nullable=True),
        sa.Column("mislabeling", sa.Double(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["deletion_id"],
            ["deletions.id"],
            name=op.f("fk_trash_predictions_deletion_id_deletions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("trash_id", name=op.f("pk_trash_predictions")),
    )
    with op.batch_alter_table("trash_predictions", schema=None) as batch_op:
        batch_op.create_index("ix_trash_predictions_deletion", ["deletion_id"], unique=False)

    op.create_table(
        "trash_tasks",
        sa.Column("trash_id", sa.Integer(), nullable=False),
        sa.Column("deletion_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("inner_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("meta", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("data_hash", sa.String(length=32), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_labeled", sa.Boolean(), nullable=True),
        sa.Column("total_annotations", sa.Integer(), nullable=True),
        sa.Column("cancelled_annotations", sa.Integer(), nullable=True),
        sa.Column("total_predictions", sa.Integer(), nullable=True),
        sa.Column("reviews_accepted", sa.Integer(), nullable=True),
        sa.Column("reviews_rejected", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["deletion_id"],
            ["deletions.id"],
            name=op.f("fk_trash_tasks_deletion_id_deletions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("trash_id", name=op.f("pk_trash_tasks")),
    )
    with op.batch_alter_table("trash_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_trash_tasks_deletion", ["deletion_id"], unique=False)

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhooks.id"],
            name=op.f("fk_webhook_deliveries_webhook_id_webhooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_deliveries_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_webhook_deliveries_webhook", ["webhook_id", "id"], unique=False)

    op.create_table(
        "annotation_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("annotation_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("result", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("previous_annotation_history_id", sa.Integer(), nullable=True),
        sa.Column("fixed_annotation_history_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["annotation_id"],
            ["annotations.id"],
            name=op.f("fk_annotation_reviews_annotation_id_annotations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_annotation_reviews_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_annotation_reviews_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_annotation_reviews_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotation_reviews")),
    )
    with op.batch_alter_table("annotation_reviews", schema=None) as batch_op:
        batch_op.create_index("ix_annotation_reviews_annotation", ["annotation_id", "id"], unique=False)
        batch_op.create_index("ix_annotation_reviews_project", ["project_id", "id"], unique=False)
        batch_op.create_index("ix_annotation_reviews_reviewer", ["created_by_id", "id"], unique=False)

    # Plain ALTER TABLE ADD COLUMN with constant defaults: no table rebuild on SQLite (the activity
    # table's append-only triggers stay, a million tasks are not copied).
    op.add_column(
        "activity", sa.Column("ip_address", sa.String(length=64), server_default="", nullable=False)
    )
    op.add_column(
        "activity", sa.Column("user_agent", sa.String(length=255), server_default="", nullable=False)
    )
    op.create_index("ix_activity_action", "activity", ["action", "id"], unique=False)
    op.add_column("tasks", sa.Column("reviews_accepted", sa.Integer(), server_default="0", nullable=False))
    op.add_column("tasks", sa.Column("reviews_rejected", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("reviews_rejected")
        batch_op.drop_column("reviews_accepted")

    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_action")
        batch_op.drop_column("user_agent")
        batch_op.drop_column("ip_address")

    with op.batch_alter_table("annotation_reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_annotation_reviews_reviewer")
        batch_op.drop_index("ix_annotation_reviews_project")
        batch_op.drop_index("ix_annotation_reviews_annotation")

    op.drop_table("annotation_reviews")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_webhook")
        batch_op.drop_index("ix_webhook_deliveries_due")

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("trash_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_trash_tasks_deletion")

    op.drop_table("trash_tasks")
    with op.batch_alter_table("trash_predictions", schema=None) as batch_op:
        batch_op.drop_index("ix_trash_predictions_deletion")

    op.drop_table("trash_predictions")
    with op.batch_alter_table("trash_annotations", schema=None) as batch_op:
        batch_op.drop_index("ix_trash_annotations_deletion")

    op.drop_table("trash_annotations")
    with op.batch_alter_table("task_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_task_assignments_queue")
        batch_op.drop_index("ix_task_assignments_project")

    op.drop_table("task_assignments")
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.drop_index("ix_webhooks_project")

    op.drop_table("webhooks")
    with op.batch_alter_table("pauses", schema=None) as batch_op:
        batch_op.drop_index("ix_pauses_project_user")

    op.drop_table("pauses")
    with op.batch_alter_table("deletions", schema=None) as batch_op:
        batch_op.drop_index("ix_deletions_project")

    op.drop_table("deletions")
