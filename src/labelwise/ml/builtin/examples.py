"""The built-in classifier's training examples, read from the database in order of trust.

Ground-truth annotations first, then the consensus label of each task that has one (`task_consensus`,
written by the aggregation job) in place of that task's annotations, then the submitted annotations of
the remaining tasks, whose majority `target.answers` takes. Why consensus replaces the annotations and is
not one more vote: the aggregation already weighed those annotations by their authors' skills.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.models import Project, Task, TaskConsensus
from labelwise.ml import connections
from labelwise.ml.builtin.target import Target
from labelwise.ml.contract import Example


def collect(db: Session, project: Project, target: Target, use_ground_truth: bool = True) -> list[Example]:
    annotated = connections.examples(db, project, use_ground_truth)
    consensus = {
        task_id: (data or {}, result or [])
        for task_id, data, result in db.execute(
            select(TaskConsensus.task_id, Task.data, TaskConsensus.result)
            .join(Task, Task.id == TaskConsensus.task_id)
            .where(TaskConsensus.project_id == project.id, TaskConsensus.control == target.control)
            .order_by(TaskConsensus.task_id)
        )
    }
    truth = [e for e in annotated if e.ground_truth]
    agreed = [Example({"id": t, "data": d}, r) for t, (d, r) in consensus.items()]
    rest = [e for e in annotated if not e.ground_truth and e.task.get("id") not in consensus]
    return truth + agreed + rest
