"""storages and storage links

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 13:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "storages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("regex_filter", sa.String(length=500), nullable=False),
        sa.Column("use_blob_urls", sa.Boolean(), nullable=False),
        sa.Column("recursive_scan", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("last_sync", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sync_count", sa.Integer(), nullable=False),
        sa.Column("last_sync_job", sa.String(length=100), nullable=True),
        sa.Column("traceback", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_storages_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storages")),
    )
    op.create_index("ix_storages_project", "storages", ["project_id"], unique=False)
    op.create_table(
        "storage_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("storage_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=1024), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("task_count", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["storage_id"],
            ["storages.id"],
            name=op.f("fk_storage_links_storage_id_storages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_storage_links_task_id_tasks"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storage_links")),
        sa.UniqueConstraint("storage_id", "key", name="uq_storage_links_storage_key"),
    )
    # Deleting tasks sets their links' task_id to NULL: without this index every deleted task
    # would scan the links.
    op.create_index("ix_storage_links_task", "storage_links", ["task_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_storage_links_task", table_name="storage_links")
    op.drop_table("storage_links")
    op.drop_index("ix_storages_project", table_name="storages")
    op.drop_table("storages")
