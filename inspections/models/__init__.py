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
from .complaints import ComplaintBatch, ComplaintCase, ComplaintEvent
from .events import TaskEvent
from .evidence import Evidence, evidence_upload_to
from .findings import Finding
from .jobs import ExportJob, ImportJob, PendingJob
from .notifications import Notification
from .progress import ProgressUpdate
from .reminders import ReminderDigest, ReminderRecord
from .reports import DispatchReport
from .rounds import InspectionRound
from .summaries import (
    FigureDay,
    SnapshotDay,
    TaskCompletionDay,
    TaskCooperationFigure,
    TaskFigure,
    TaskFigureSnapshot,
)
from .supervision import (
    AssessmentRule,
    AssessmentScore,
    DocumentCounter,
    SuggestionRule,
    SupervisionAction,
    SupervisionReplyFile,
    SupervisionSuggestion,
    SupervisionTemplate,
    WarningObservation,
)
from .tasks import RectificationTask, TaskQuerySet

__all__ = [
    "FigureDay",
    "SnapshotDay",
    "TaskCompletionDay",
    "TaskCooperationFigure",
    "TaskFigure",
    "TaskFigureSnapshot",
    "ComplaintBatch",
    "ComplaintCase",
    "ComplaintEvent",
    "AssessmentRule",
    "AssessmentScore",
    "DocumentCounter",
    "SuggestionRule",
    "SupervisionAction",
    "SupervisionReplyFile",
    "SupervisionSuggestion",
    "SupervisionTemplate",
    "WarningObservation",
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
    "ImportJob",
    "Finding",
    "InspectionRound",
    "Notification",
    "PendingJob",
    "ProgressUpdate",
    "RectificationTask",
    "TaskEvent",
    "TaskQuerySet",
    "evidence_upload_to",
]
