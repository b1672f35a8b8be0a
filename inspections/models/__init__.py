"""Models of the rectification ledger, one module per topic."""
from .events import TaskEvent
from .evidence import Evidence, evidence_upload_to
from .findings import Finding
from .jobs import ExportJob
from .notifications import Notification
from .progress import ProgressUpdate
from .rounds import InspectionRound
from .tasks import RectificationTask, TaskQuerySet

__all__ = [
    "Evidence",
    "ExportJob",
    "Finding",
    "InspectionRound",
    "Notification",
    "ProgressUpdate",
    "RectificationTask",
    "TaskEvent",
    "TaskQuerySet",
    "evidence_upload_to",
]
