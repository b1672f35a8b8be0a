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
    # The steps of a longer closure chain (inspections/workflow.py, "closure chain"): 公示, 审签 before 复核, 复核.
    IN_NOTICE = "in_notice", _("公示中")
    SIGNED = "signed", _("已审签")
    RECHECKED = "rechecked", _("已复核")
    CLOSED = "closed", _("已销号")
    LONG_TERM = "long_term", _("长期坚持")


# "Complete" in reports (已完成整改) = accepted (验收) and not sent back: verified, every later step of the closure
# chain (公示中, 已审签, 已复核), closed and long_term.
COMPLETE_STATUSES = (
    TaskStatus.VERIFIED,
    TaskStatus.IN_NOTICE,
    TaskStatus.SIGNED,
    TaskStatus.RECHECKED,
    TaskStatus.CLOSED,
    TaskStatus.LONG_TERM,
)


class ClosureStep(models.TextChoices):
    """The steps a closure chain is made of (domain: "Closure (销号) in real bureaus")."""

    ACCEPT = "accept", _("验收")
    NOTICE = "notice", _("公示")
    SIGN = "sign", _("审签")
    RECHECK = "recheck", _("复核")
    FILE = "file", _("销号报备")


class AcceptanceConclusion(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class ObjectionDecision(models.TextChoices):
    PENDING = "pending", _("待处理")
    UPHELD = "upheld", _("异议成立")
    REFUSED = "refused", _("异议不成立")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class LookbackVerdict(models.TextChoices):
    HOLDS = "holds", _("巩固")
    RELAPSE = "relapse", _("反弹")
    FAKE = "fake", _("虚假整改")


# 反弹 and 虚假整改 reopen the work as a new task and count against the unit.
RELAPSE_VERDICTS = (LookbackVerdict.RELAPSE, LookbackVerdict.FAKE)


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


class Warning(models.TextChoices):
    BLUE = "blue", _("蓝色（正常推进）")
    YELLOW = "yellow", _("黄色（进度滞后）")
    RED = "red", _("红色（严重滞后或逾期）")


class EventKind(models.TextChoices):
    CREATED = "created", _("创建任务")
    TRANSITION = "transition", _("状态变更")
    PROGRESS = "progress", _("报送进展")
    EVIDENCE = "evidence", _("上传佐证材料")
    EVIDENCE_WITHDRAWN = "withdrawn", _("撤回佐证材料")
    EDITED = "edited", _("修改任务")
    CLOSURE = "closure", _("销号记录")
    EXTENSION = "extension", _("延期申请")
    LOOKBACK = "lookback", _("回头看")
    REMINDED = "reminded", _("催办")


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
