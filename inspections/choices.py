"""Choice constants of the domain (see docs/domain.md). Never bare strings in code."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundKind(models.TextChoices):
    CENTRAL = "central", _("中央督察")
    CENTRAL_LOOKBACK = "central_lookback", _("中央督察“回头看”")
    SPECIAL = "special", _("专项督察")
    PROVINCIAL = "provincial", _("省级督察")
    PROVINCIAL_LOOKBACK = "provincial_lookback", _("省级督察“回头看”")
    MUNICIPAL = "municipal", _("市级督察")


class Category(models.TextChoices):
    AIR = "air", _("大气污染")
    WATER = "water", _("水污染")
    SOIL = "soil", _("土壤污染")
    SOLID_WASTE = "solid_waste", _("固体废物")
    ECOLOGY = "ecology", _("生态破坏")
    DRINKING_WATER = "drinking_water", _("饮用水源")
    BLACK_ODOROUS = "black_odorous", _("黑臭水体")
    NOISE = "noise", _("噪声")
    MINING = "mining", _("矿山")
    INDUSTRIAL_PARK = "industrial_park", _("工业园区")
    DUST = "dust", _("扬尘")
    OTHER = "other", _("其他")


class FindingSource(models.TextChoices):
    FEEDBACK = "feedback", _("督察反馈问题")
    COMPLAINT = "complaint", _("交办信访件")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("尚未启动")
    IN_PROGRESS = "in_progress", _("整改中")
    SUBMITTED = "submitted", _("已申请销号")
    VERIFIED = "verified", _("已验收")
    CLOSED = "closed", _("已销号")
    LONG_TERM = "long_term", _("长期坚持")


# "Complete" in reports (已完成整改) = verified + closed + long_term.
COMPLETE_STATUSES = (TaskStatus.VERIFIED, TaskStatus.CLOSED, TaskStatus.LONG_TERM)


class DeadlineKind(models.TextChoices):
    DATED = "dated", _("限期完成")
    IMMEDIATE = "immediate", _("立行立改")
    LONG_TERM = "long_term", _("长期坚持")


class Schedule(models.TextChoices):
    """序时进度: percent complete against the share of time elapsed."""

    AHEAD = "ahead", _("超过序时进度")
    ON_SCHEDULE = "on_schedule", _("达到序时进度")
    BEHIND = "behind", _("未达到序时进度")
    OVERDUE = "overdue", _("已逾期")
    # A complete task is out of the schedule figures: it neither keeps pace nor lags (issue 18 item 4).
    COMPLETE = "complete", _("已完成整改")


class Warning(models.TextChoices):
    BLUE = "blue", _("蓝色（正常推进）")
    YELLOW = "yellow", _("黄色（进度滞后）")
    RED = "red", _("红色（严重滞后或逾期）")
    # Not a warning colour: complete tasks (figures.complete_q) are out of the warning figures.
    DONE = "done", _("已完成（不预警）")


# The warning colours proper (the pie of "how the open tasks are doing").
WARNING_COLOURS = (Warning.BLUE, Warning.YELLOW, Warning.RED)


class EventKind(models.TextChoices):
    CREATED = "created", _("创建任务")
    TRANSITION = "transition", _("状态变更")
    PROGRESS = "progress", _("报送进展")
    EVIDENCE = "evidence", _("上传佐证材料")
    EVIDENCE_WITHDRAWN = "withdrawn", _("撤回佐证材料")
    EDITED = "edited", _("修改任务")


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("现场照片")
    DOCUMENT = "document", _("文件资料")
    PENALTY = "penalty", _("处罚决定书")
    ACCEPTANCE = "acceptance", _("验收报告")
    NOTICE = "notice", _("公示材料")
    OTHER = "other", _("其他")


class NotificationKind(models.TextChoices):
    REMINDER = "reminder", _("到期提醒")
    OVERDUE = "overdue", _("逾期提醒")
    ESCALATION = "escalation", _("逾期督办")
    WORKFLOW = "workflow", _("流程消息")
    REPORT = "report", _("调度通报")


class JobStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ReminderKind(models.TextChoices):
    """What a reminder record says about its task on its day."""

    DUE = "due", _("即将到期")
    OVERDUE = "overdue", _("已逾期")
    ESCALATION = "escalation", _("逾期督办")


class DigestAudience(models.TextChoices):
    UNIT = "unit", _("责任单位")
    ESCALATION = "escalation", _("领导及督察办")
