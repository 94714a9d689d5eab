"""Model connections (Label Studio's `ml_backends`): a remote ML backend, the built-in classifier or an LLM."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from labelwise.db.base import Base, JSONType, Timestamp, utcnow

# Label Studio's states: connected, disconnected, error, training, predicting.
ML_STATES = ("CO", "DI", "ER", "TR", "PR")
ML_TYPES = ("remote", "builtin", "llm")


class MLBackend(Base):
    __tablename__ = "ml_backends"
    __table_args__ = (Index("ix_ml_backends_project", "project_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(2048), default="")
    type: Mapped[str] = mapped_column(String(20), default="remote")
    state: Mapped[str] = mapped_column(String(2), default="DI")
    error_message: Mapped[str] = mapped_column(Text, default="")
    is_interactive: Mapped[bool] = mapped_column(default=False)
    auth_method: Mapped[str] = mapped_column(String(20), default="NONE")
    basic_auth_user: Mapped[str] = mapped_column(String(255), default="")
    # Sealed by `ml.secrets`; write-only in the API.
    basic_auth_pass: Mapped[str] = mapped_column(Text, default="")
    # Passed to the model at setup; an LLM's `api_key` inside is sealed and never returned.
    extra_params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    model_version: Mapped[str] = mapped_column(String(255), default="")
    auto_update: Mapped[bool] = mapped_column(default=True)
    timeout: Mapped[float] = mapped_column(Float, default=100.0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
