"""All tables; importing this module registers every model on `Base.metadata`."""

from labelwise.db.base import Base
from labelwise.db.models.activity import Activity
from labelwise.db.models.annotations import Annotation, AnnotationHistory, Draft, Prediction
from labelwise.db.models.jobs import ExportSnapshot, FileUpload, Job
from labelwise.db.models.projects import Project, ProjectMember
from labelwise.db.models.storage import Storage, StorageLink
from labelwise.db.models.tasks import Import, Task, TaskLock
from labelwise.db.models.users import ROLES, ApiToken, User
from labelwise.db.models.views import AppSetting, View

__all__ = [
    "ROLES",
    "Activity",
    "Annotation",
    "AnnotationHistory",
    "ApiToken",
    "AppSetting",
    "Base",
    "Draft",
    "ExportSnapshot",
    "FileUpload",
    "Import",
    "Job",
    "Prediction",
    "Project",
    "ProjectMember",
    "Storage",
    "StorageLink",
    "Task",
    "TaskLock",
    "User",
    "View",
]
