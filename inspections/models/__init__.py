"""Models of the rectification ledger, one module per topic."""

from .calendar import Holiday
from .closure import (
    AcceptanceRecord,
    ClosureChain,
    ClosureChainStep,
    DeadlineExtension,
    LookbackCheck,
    LookbackPhoto,
    LookbackRound,
    NoticeObjection,
    PublicNotice,
    SignOffDelegation,
)
from .events import TaskEvent
from .evidence import Evidence, evidence_upload_to
from .findings import Finding
from .jobs import ExportJob
from .notifications import Notification
from .progress import ProgressUpdate
from .reminders import ReminderDigest, ReminderRecord
from .reports import DispatchReport
from .rounds import InspectionRound
from .tasks import RectificationTask, TaskQuerySet

__all__ = [
    "AcceptanceRecord",
    "ClosureChain",
    "ClosureChainStep",
    "DeadlineExtension",
    "LookbackCheck",
    "LookbackPhoto",
    "LookbackRound",
    "NoticeObjection",
    "PublicNotice",
    "SignOffDelegation",
    "DispatchReport",
    "Holiday",
    "ReminderDigest",
    "ReminderRecord",
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
