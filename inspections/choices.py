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
    SUPERVISION = "supervision", _("督办")
    SUPERVISION_REPLY = "sv_reply", _("督办回复")
    SUPERVISION_OUTCOME = "sv_outcome", _("督办办理结果")
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


# --- Complaint cases (交办件) ------------------------------------------------------------------


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("已交办")
    INVESTIGATING = "investigating", _("调查核实")
    STAGE_DONE = "stage_done", _("阶段性办结")
    DONE = "done", _("已办结")
    SIGNED_OFF = "signed_off", _("已销号")
    DECLINED = "declined", _("不予受理")


# 办结 (concluded) in the rates: done, or done and signed off after acceptance.
CASE_CONCLUDED_STATUSES = (CaseStatus.DONE, CaseStatus.SIGNED_OFF)
CASE_OPEN_STATUSES = (CaseStatus.RECEIVED, CaseStatus.INVESTIGATING, CaseStatus.STAGE_DONE)


class CaseChannel(models.TextChoices):
    PHONE = "phone", _("来电")
    LETTER = "letter", _("来信")
    OTHER = "other", _("其他")


class PollutionType(models.TextChoices):
    WATER = "water", _("水")
    AIR = "air", _("大气")
    SOIL = "soil", _("土壤")
    NOISE = "noise", _("噪声")
    ECOLOGY = "ecology", _("生态")
    RADIATION = "radiation", _("辐射")
    OTHER = "other", _("其他")


class CaseVerdict(models.TextChoices):
    TRUE = "true", _("属实")
    MOSTLY_TRUE = "mostly_true", _("基本属实")
    PARTLY_TRUE = "partly_true", _("部分属实")
    FALSE = "false", _("不属实")
    UNVERIFIABLE = "unverifiable", _("无法核实")


CASE_TRUE_VERDICTS = (CaseVerdict.TRUE, CaseVerdict.MOSTLY_TRUE, CaseVerdict.PARTLY_TRUE)


class FollowUpResult(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class SupervisionKind(models.TextChoices):
    """督办记录的种类, from the lightest to the heaviest."""

    NOTICE = "notice", _("督办通知")
    LETTER = "letter", _("专函督办")
    LISTED = "listed", _("挂牌督办")
    INTERVIEW = "interview", _("约谈")
    CRITICISM = "criticism", _("通报批评")
    ACCOUNTABILITY = "accountability", _("问责")
    DISQUALIFY = "disqualify", _("取消评先评优")


# Kinds whose record names a person (约谈 the person talked to, 问责 the person held to account).
PERSON_KINDS = (SupervisionKind.INTERVIEW, SupervisionKind.ACCOUNTABILITY)
# Kinds that have a generated document (.docx from a template, and the print page).
DOCUMENT_KINDS = (SupervisionKind.NOTICE, SupervisionKind.LETTER, SupervisionKind.INTERVIEW)


class AccountabilityMeasure(models.TextChoices):
    ADMONITION = "admonition", _("诫勉谈话")
    CRITICISM = "criticism", _("通报批评")
    WARNING = "warning", _("警告")
    DEMERIT = "demerit", _("记过")
    ORGANISATIONAL = "organisational", _("组织处理")
    OTHER = "other", _("其他")


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ISSUED = "issued", _("已下发")
    DISMISSED = "dismissed", _("已驳回")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("月度")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年度")


class AssessmentMetric(models.TextChoices):
    """What a scoring rule counts for a unit over a period (rates count the shortfall from 100%)."""

    COMPLETION_RATE = "completion_rate", _("完成率差距（百分点）")
    ON_TIME_RATE = "on_time_rate", _("按期完成率差距（百分点）")
    OVERDUE_TASKS = "overdue_tasks", _("逾期任务（个）")
    YELLOW_WARNINGS = "yellow_warnings", _("黄色预警（任务·月）")
    RED_WARNINGS = "red_warnings", _("红色预警（任务·月）")
    SUPERVISION_RECEIVED = "supervision_received", _("收到督办通知、专函、挂牌督办（份）")
    INTERVIEWS = "interviews", _("被约谈（次）")
    ACCOUNTABILITY = "accountability", _("被问责（人次）")
    LATE_REPLIES = "late_replies", _("逾期未回复督办（份）")
    RELAPSES = "relapses", _("回头看反弹（个）")
