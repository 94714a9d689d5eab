"""What LLM connections keep: replies cached by prompt, and prompt evaluations against gold tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from labelwise.db.base import Base, JSONType, Timestamp, utcnow


class LlmCache(Base):
    """One reply per sha256 of (base URL, model, temperature, messages): a re-run sends nothing."""

    __tablename__ = "llm_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str] = mapped_column(Text, default="")
    prompt_tokens: Mapped[int] = mapped_column(default=0)
    completion_tokens: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class PromptEvaluation(Base):
    """One run of a prompt version (`model_version`) on a project's gold tasks, kept to compare versions."""

    __tablename__ = "prompt_evaluations"
    __table_args__ = (Index("ix_prompt_evaluations_project", "project_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    # The model connection evaluated, when it is one (no foreign key: connections may live in another table).
    connection_id: Mapped[int | None] = mapped_column(default=None)
    model_version: Mapped[str] = mapped_column(String(300))
    prompt: Mapped[str] = mapped_column(Text, default="")
    tasks: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
    tokens: Mapped[int] = mapped_column(default=0)
    cost: Mapped[float] = mapped_column(default=0.0)
    # {"controls": {name: {"accuracy", "gold", "consensus_agreement", "consensus_kappa", "consensus"}}}
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
