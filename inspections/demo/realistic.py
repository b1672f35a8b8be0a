"""The demo ledger: five rounds like the narrative example in docs/domain.md, built through the services as users would.

Figures (tasks total / complete): 第一轮中央 39 problems all complete; 回头看及专项 15 / 13;
第二轮中央 18 / 10; 省级 36 / 29; 省级回头看 26 / 21. After building, timestamps are moved into
the past so that the timeline, trends and "this week" figures look like a real year of work.
"""

import random
from bisect import bisect_right
from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User

from .. import services
from ..choices import Category, DeadlineKind, EvidenceKind, RoundKind, TaskStatus
from ..models import Evidence, Finding, InspectionRound, Notification, ProgressUpdate, RectificationTask, TaskEvent
from .units import ensure_units, ensure_users

TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/MediaBox[0 0 595 842]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

# name, kind, batch, feedback date, findings, tasks, complete
ROUNDS = [
    ("第一轮中央环境保护督察", RoundKind.CENTRAL, 1, date(2017, 12, 20), 39, 39, 39),
    ("中央环境保护督察“回头看”及专项督察", RoundKind.CENTRAL_LOOKBACK, 1, date(2019, 1, 10), 9, 15, 13),
    ("第二轮中央生态环境保护督察", RoundKind.CENTRAL, 2, date(2022, 4, 18), 11, 18, 10),
    ("省级生态环境保护督察", RoundKind.PROVINCIAL, 1, date(2023, 3, 2), 21, 36, 29),
    ("省级生态环境保护督察“回头看”", RoundKind.PROVINCIAL_LOOKBACK, 1, date(2025, 6, 12), 16, 26, 21),
]

PROBLEMS = [
    (
        Category.WATER,
        "城区污水管网建设滞后，雨污分流不彻底，部分生活污水直排河道",
        "完成城区雨污分流改造，生活污水集中收集率达到 90% 以上",
        "实施管网排查和雨污分流改造工程，建立管网长效运维机制",
    ),
    (
        Category.BLACK_ODOROUS,
        "城市建成区黑臭水体整治不到位，部分水体返黑返臭",
        "建成区黑臭水体消除比例达到 100%，长治久清",
        "开展控源截污、清淤疏浚和生态修复，落实河长巡河制度",
    ),
    (
        Category.AIR,
        "工业企业无组织排放问题突出，VOCs 治理设施运行不正常",
        "重点企业 VOCs 治理设施正常运行，稳定达标排放",
        "开展专项执法检查，督促企业升级治理设施，依法查处违法行为",
    ),
    (
        Category.DUST,
        "建筑工地扬尘管控不力，渣土运输车辆抛洒滴漏",
        "建筑工地落实“六个百分之百”要求",
        "建立工地扬尘在线监控，加强渣土运输车辆密闭化管理",
    ),
    (
        Category.SOLID_WASTE,
        "生活垃圾填埋场渗滤液处理能力不足，存在环境风险",
        "渗滤液全部达标处理，填埋场规范运行",
        "扩建渗滤液处理设施，清运积存渗滤液",
    ),
    (
        Category.MINING,
        "部分矿山违规开采，生态修复进度缓慢",
        "关闭违规矿山，完成历史遗留矿山生态修复",
        "依法关停违规矿山，编制并实施生态修复方案",
    ),
    (
        Category.DRINKING_WATER,
        "饮用水水源保护区内仍有违法建设项目",
        "清理保护区内违法建设项目，水源水质稳定达标",
        "排查整治保护区违法建设，设立隔离防护设施",
    ),
    (
        Category.INDUSTRIAL_PARK,
        "化工园区污水集中处理设施不完善，部分企业废水超标排放",
        "园区污水集中处理设施稳定运行，企业废水达标纳管",
        "完善园区污水处理设施，安装在线监测设备",
    ),
    (
        Category.ECOLOGY,
        "自然保护区内违规开发建设问题整改不彻底",
        "保护区内违规项目全部退出，生态得到恢复",
        "拆除违规建筑，实施植被恢复",
    ),
    (
        Category.SOIL,
        "重点行业企业用地土壤污染状况调查工作滞后",
        "完成重点行业企业用地调查，建立污染地块名录",
        "组织开展土壤污染状况调查，落实风险管控措施",
    ),
    (
        Category.NOISE,
        "城区夜间施工噪声扰民问题群众反映强烈",
        "夜间施工噪声投诉明显下降",
        "严格夜间施工审批，加强巡查执法",
    ),
    (
        Category.OTHER,
        "环境保护“党政同责、一岗双责”落实不到位",
        "压实各级各部门生态环境保护责任",
        "制定生态环境保护责任清单，纳入年度考核",
    ),
]
REGIONS = ["城区", "东城片区", "西湖片区", "南山片区", "北岭片区", "河口片区", "全市"]


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    sizes = [1] * parts
    for _ in range(total - parts):
        sizes[rng.randrange(parts)] += 1
    return sizes


def _deadline_text(rng: random.Random, deadline: date, kind: str) -> str:
    if kind == "immediate":
        return "立行立改"
    if kind == "long_term":
        return f"{deadline.year}年底前完成，长期坚持"
    style = rng.randrange(5)
    if style == 0:
        return f"{deadline.year}年{deadline.month}月{deadline.day}日"
    if style == 1:
        return deadline.isoformat()
    if style == 2:
        return f"{deadline.year}.{deadline.month}.{deadline.day}"
    if style == 3:
        return f"{deadline.year - 1}年底前完成阶段性整改，{deadline.year}年{deadline.month}月{deadline.day}日前全面完成"
    return f"{deadline.year}年{deadline.month}月{deadline.day}日前"


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


class DemoBuilder:
    def __init__(self, *, seed: int = 2026, today: date | None = None):
        self.rng = random.Random(seed)
        self.today = today or timezone.localdate()

    @transaction.atomic
    def build(self) -> dict:
        units = ensure_units()
        users = ensure_users(units)
        self.bureau = users["duchaban"]
        self.leader = users["leader"]
        self.leaders = list(User.objects.filter(role=Role.LEADER).order_by("pk"))
        self.lead_units = [u for code, u in units.items() if code not in ("BUREAU",)]
        self.contacts = {u.unit_id: u for u in User.objects.filter(role=Role.UNIT).order_by("pk")}
        created = 0
        for spec in ROUNDS:
            if not InspectionRound.objects.filter(name=spec[0]).exists():
                created += self._round(*spec)
        return {"tasks": created}

    def _round(self, name, kind, batch, feedback, n_findings, n_tasks, n_complete) -> int:
        rng = self.rng
        inspection_round = services.round_create(
            actor=self.bureau,
            kind=kind,
            batch=batch,
            name=name,
            inspection_start=feedback - timedelta(days=75),
            inspection_end=feedback - timedelta(days=45),
            feedback_date=feedback,
            plan_due_date=feedback + timedelta(days=30),
        )
        sizes = _split(n_tasks, n_findings, rng)
        complete_flags = [True] * n_complete + [False] * (n_tasks - n_complete)
        rng.shuffle(complete_flags)
        flags = iter(complete_flags)
        assigned = feedback + timedelta(days=30)
        for number, size in enumerate(sizes, start=1):
            category, summary, goal, measures = PROBLEMS[(number + batch + len(name)) % len(PROBLEMS)]
            region = rng.choice(REGIONS)
            tasks = []
            for index in range(size):
                complete = next(flags)
                kind_roll = rng.random()
                deadline_kind = "long_term" if kind_roll < 0.08 else "immediate" if kind_roll < 0.15 else "dated"
                deadline = self._deadline(complete, assigned)
                tasks.append(
                    {
                        "lead_unit": rng.choice(self.lead_units),
                        "cooperating_units": rng.sample(self.lead_units, rng.choice([0, 0, 1, 2])),
                        "goal": goal,
                        "measures": f"{measures}（第{index + 1}项措施）",
                        "deadline_text": _deadline_text(rng, deadline, deadline_kind),
                        "responsible_person": rng.choice(["王建国", "李明", "张伟", "刘洋", "陈静", "杨帆"]),
                        "assigned_on": assigned,
                        "_complete": complete,
                    }
                )
            finding = services.finding_create(
                actor=self.bureau,
                inspection_round=inspection_round,
                number=number,
                summary=f"{region}{summary}",
                description=f"督察发现，{region}{summary}。群众反映强烈，整改进度滞后。",
                category=category,
                region=region,
                responsible_leader=rng.choice(self.leaders),
                tasks=[{k: v for k, v in t.items() if not k.startswith("_")} for t in tasks],
            )
            for task, spec in zip(finding.tasks.order_by("number"), tasks, strict=True):
                self._history(task, spec["_complete"], assigned)
        _backdate_round(inspection_round, registered=_at(feedback, 9), findings_registered=_at(assigned, 8))
        return n_tasks

    def _deadline(self, complete: bool, assigned: date) -> date:
        if complete:
            return max(assigned + timedelta(days=self.rng.randint(60, 700)), assigned + timedelta(days=30))
        # Open work: some overdue, some due within two weeks, most later.
        roll = self.rng.random()
        if roll < 0.25:
            return self.today - timedelta(days=self.rng.randint(3, 90))
        if roll < 0.5:
            return self.today + timedelta(days=self.rng.randint(1, 14))
        return self.today + timedelta(days=self.rng.randint(30, 400))

    def _history(self, task: RectificationTask, complete: bool, assigned: date) -> None:
        """Move the task through the workflow as its people would, then date the steps in the past."""
        rng = self.rng
        contact = self.contacts.get(task.lead_unit_id)
        reporter = contact or self.bureau
        if complete:
            done_on = self._done_on(assigned)
            target = (
                TaskStatus.LONG_TERM
                if task.deadline_kind == DeadlineKind.LONG_TERM
                else (rng.choice([TaskStatus.CLOSED, TaskStatus.CLOSED, TaskStatus.VERIFIED]))
            )
        else:
            done_on = self.today - timedelta(days=rng.randint(0, 20))
            target = rng.choice(
                [
                    TaskStatus.NOT_STARTED,
                    TaskStatus.IN_PROGRESS,
                    TaskStatus.IN_PROGRESS,
                    TaskStatus.IN_PROGRESS,
                    TaskStatus.SUBMITTED,
                ]
            )
        if target == TaskStatus.NOT_STARTED:
            self._backdate(task, assigned, assigned)  # its creation is dated at 交办日期 too
            return
        steps = rng.randint(1, 3)
        for step in range(1, steps + 1):
            percent = 100 if complete and step == steps else min(95, int(100 * step / (steps + 1)) + rng.randint(0, 10))
            services.task_progress_add(
                actor=reporter,
                task=task,
                text=f"已完成阶段性工作，累计完成整改工程量的 {percent}%。",
                percent=percent,
                investment=round(rng.uniform(5, 800), 2) * step / steps,
            )
        if target in (TaskStatus.SUBMITTED, TaskStatus.VERIFIED, TaskStatus.CLOSED, TaskStatus.LONG_TERM):
            services.task_evidence_add(
                actor=reporter,
                task=task,
                kind=EvidenceKind.ACCEPTANCE,
                description="整改验收报告",
                files=[SimpleUploadedFile(f"{task.code}整改验收报告.pdf", TINY_PDF, content_type="application/pdf")],
            )
            submitter = reporter if contact else User.objects.filter(role=Role.ADMIN).first()
            task.refresh_from_db()
            # Below 100 % a closure request says why (as the service requires).
            reason = "" if task.percent >= 100 else "主体工程已完工，剩余扫尾工作按计划推进"
            services.task_submit(actor=submitter, task=task, reason=reason)
        if target in (TaskStatus.VERIFIED, TaskStatus.CLOSED, TaskStatus.LONG_TERM):
            services.task_verify(actor=self.bureau, task=task)
        if target == TaskStatus.CLOSED:
            services.task_close(actor=task.finding.responsible_leader or self.leader, task=task)
        elif target == TaskStatus.LONG_TERM:
            services.task_keep_long_term(actor=task.finding.responsible_leader or self.leader, task=task)
        self._backdate(task, assigned, done_on)

    def _done_on(self, assigned: date) -> date:
        roll = self.rng.random()
        if roll < 0.12:  # a few closed this week, for the dispatch report's "this week" figures
            return self.today - timedelta(days=self.rng.randint(0, 4))
        latest = self.today - timedelta(days=7)
        span = max(1, (latest - assigned).days)
        return assigned + timedelta(days=self.rng.randint(min(60, span), span))

    def _backdate(self, task: RectificationTask, assigned: date, done_on: date) -> None:
        task = RectificationTask.objects.get(pk=task.pk)
        events = list(TaskEvent.objects.filter(task=task).order_by("id"))
        written = [event.at for event in events]  # when seeding wrote them, in order
        span = max(1, (done_on - assigned).days)
        moments = [
            _at(assigned + timedelta(days=round(span * i / max(1, len(events) - 1))), 9 + i % 8)
            for i in range(len(events))
        ]
        for event, moment in zip(events, moments, strict=True):
            event.at = moment
        TaskEvent.objects.bulk_update(events, ["at"])
        progress_events = [e for e in events if e.kind == "progress"]
        for update, event in zip(ProgressUpdate.objects.filter(task=task).order_by("id"), progress_events):
            ProgressUpdate.objects.filter(pk=update.pk).update(
                reported_on=timezone.localdate(event.at), created_at=event.at
            )
        Evidence.objects.filter(task=task).update(uploaded_at=moments[-1])
        by_status = {e.to_status: e.at for e in events if e.to_status}
        RectificationTask.objects.filter(pk=task.pk).update(
            created_at=moments[0],
            verified_at=by_status.get(TaskStatus.VERIFIED) if task.verified_at else None,
            completed_at=by_status.get(TaskStatus.VERIFIED) if task.completed_at else None,
            signed_off_at=(by_status.get(TaskStatus.CLOSED) or by_status.get(TaskStatus.LONG_TERM))
            if task.signed_off_at
            else None,
        )
        _backdate_written_rows(task, written, moments)


def _story_time(written: list, moments: list, seeded_at):
    """The story's time of a row seeding wrote at `seeded_at`: that of the last event written before it."""
    return moments[max(bisect_right(written, seeded_at) - 1, 0)]


def _backdate_written_rows(task: RectificationTask, written: list, moments: list) -> None:
    """History rows and notifications the services wrote while seeding, dated as the story says (never at the
    seeding minute): a history entry at its step's time with the story's 创建时间 in every version (so no
    version seems to change it), a notification at the step that sent it."""
    created_at = moments[0]
    versions = list(RectificationTask.history.filter(id=task.pk))
    for version in versions:
        version.history_date = _story_time(written, moments, version.history_date)
        version.created_at = created_at
    RectificationTask.history.bulk_update(versions, ["history_date", "created_at"])
    notices = list(Notification.objects.filter(task=task))
    for notice in notices:
        notice.created_at = _story_time(written, moments, notice.created_at)
        if notice.read_at:
            notice.read_at = notice.created_at
    Notification.objects.bulk_update(notices, ["created_at", "read_at"])


def _backdate_round(inspection_round: InspectionRound, *, registered: datetime, findings_registered: datetime) -> None:
    """The round registered on its 反馈日期, its findings when their tasks were assigned: rows and history."""
    InspectionRound.objects.filter(pk=inspection_round.pk).update(created_at=registered)
    InspectionRound.history.filter(id=inspection_round.pk).update(history_date=registered, created_at=registered)
    findings = Finding.objects.filter(round=inspection_round)
    findings.update(created_at=findings_registered)
    Finding.history.filter(round_id=inspection_round.pk).update(
        history_date=findings_registered, created_at=findings_registered
    )
