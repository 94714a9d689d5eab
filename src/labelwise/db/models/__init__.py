"""All tables; importing this module registers every model on `Base.metadata`."""

from labelwise.db.base import Base
from labelwise.db.models.activity import Activity
from labelwise.db.models.annotations import Annotation, AnnotationHistory, Draft, Prediction
from labelwise.db.models.assignments import ASSIGNMENT_TYPES, Pause, TaskAssignment
from labelwise.db.models.consensus import AnnotatorSkill, TaskConsensus
from labelwise.db.models.gold import ExamResult, GoldAnswer
from labelwise.db.models.jobs import ExportSnapshot, FileUpload, Job
from labelwise.db.models.llm import LlmCache, PromptEvaluation
from labelwise.db.models.ml import ML_STATES, ML_TYPES, MLBackend
from labelwise.db.models.projects import Project, ProjectMember
from labelwise.db.models.reviews import AnnotationReview
from labelwise.db.models.storage import Storage, StorageLink
from labelwise.db.models.tasks import Import, Task, TaskLock
from labelwise.db.models.trash import Deletion, trash_annotations, trash_predictions, trash_tasks
from labelwise.db.models.users import ROLES, ApiToken, User
from labelwise.db.models.views import AppSetting, View
from labelwise.db.models.webhooks import Webhook, WebhookDelivery

__all__ = [
    "ASSIGNMENT_TYPES",
    "ML_STATES",
    "ML_TYPES",
    "ROLES",
    "Activity",
    "Annotation",
    "AnnotationHistory",
    "AnnotationReview",
    "AnnotatorSkill",
    "ApiToken",
    "AppSetting",
    "Base",
    "Deletion",
    "Draft",
    "ExamResult",
    "ExportSnapshot",
    "FileUpload",
    "GoldAnswer",
    "Import",
    "Job",
    "LlmCache",
    "MLBackend",
    "Pause",
    "Prediction",
    "Project",
    "ProjectMember",
    "PromptEvaluation",
    "Storage",
    "StorageLink",
    "Task",
    "TaskAssignment",
    "TaskConsensus",
    "TaskLock",
    "User",
    "View",
    "Webhook",
    "WebhookDelivery",
    "trash_annotations",
    "trash_predictions",
    "trash_tasks",
]
