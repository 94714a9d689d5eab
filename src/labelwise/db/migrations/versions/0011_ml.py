"""ml: model connections (Label Studio's ml_backends)

Revision ID: 0011_ml
Revises: 0009_consensus
Create Date: 2026-12-02 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011_ml"
down_revision: str | None = "0009_consensus"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ml_backends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=False),
        sa.Column("is_interactive", sa.Boolean(), nullable=False),
        sa.Column("auth_method", sa.String(length=20), nullable=False),
        sa.Column("basic_auth_user", sa.String(length=255), nullable=False),
        sa.Column("basic_auth_pass", sa.Text(), nullable=False),
        sa.Column("extra_params", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("model_version", sa.String(length=255), nullable=False),
        sa.Column("auto_update", sa.Boolean(), nullable=False),
        sa.Column("timeout", sa.Float(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_ml_backends_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_ml_backends_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ml_backends")),
    )
    with op.batch_alter_table("ml_backends", schema=None) as batch_op:
        batch_op.create_index("ix_ml_backends_project", ["project_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ml_backends", schema=None) as batch_op:
        batch_op.drop_index("ix_ml_backends_project")
    op.drop_table("ml_backends")
