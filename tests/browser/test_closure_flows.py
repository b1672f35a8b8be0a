"""Closure the way bureaus close, in Chromium: a five-step chain end to end (county acceptance with two
acceptors → 7-day public notice, passed with time-machine → the responsible leader signs with a comment on a
390 px phone → city re-check → filing; the 销号审批表 printed to PDF); a refused and an upheld objection; an
extension approved and the overdue figure moving; a 回头看 sample with one 反弹 reopening a linked task; batch
sign-off of 30 tasks with two refused and the reasons shown."""

import datetime as dt
import shutil
import subprocess

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from factories import PASSWORD, World, pdf
from inspections import services
from inspections.choices import EvidenceKind, TaskStatus
from inspections.models import ClosureChain, ClosureChainStep, RectificationTask

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIVE_STEPS = (
    ("accept", "bureau"),
    ("notice", "bureau"),
    ("sign", "leader"),
    ("recheck", "superior"),
    ("file", "bureau"),
)


def log_in(page, base, username):
    # Task pages load their 销号流程 panel with htmx: let it finish so its response cannot bring the old
    # session cookie back after clear_cookies.
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.get_by_test_id("current-user")).to_be_attached(timeout=20_000)


class Ledger(World):
    def __init__(self, *, five_steps=False):
        super().__init__(
            units=("city", "water", "town"),
            users=("bureau", "leader", "other_leader", "superior", "water_user", "town_user"),
        )
        self.round = services.round_create(actor=self.bureau, kind="provincial", batch=1, name="省级生态环境保护督察")
        if five_steps:
            chain = ClosureChain.objects.create(name="五步销号", inspection_round=self.round)
            for order, (step, role) in enumerate(FIVE_STEPS, 1):
                ClosureChainStep.objects.create(chain=chain, order=order, step=step, role=role, required=True)
        self.count = 0

    def task(self, *, leader=None, deadline_text="2030年12月31日前", assigned_on=None, **fields):
        self.count += 1
        finding = services.finding_create(
            actor=self.bureau,
            inspection_round=self.round,
            summary=f"城区污水直排问题{self.count}",
            responsible_leader=leader or self.leader,
            tasks=[
                {
                    "lead_unit": self.water,
                    "deadline_text": deadline_text,
                    "assigned_on": assigned_on or dt.date(2024, 1, 1),
                    "measures": "实施雨污分流改造",
                    **fields,
                }
            ],
        )
        return finding.tasks.get()

    def submitted(self, task):
        services.task_progress_add(actor=self.water_user, task=task, text="雨污分流改造完工", percent=100)
        services.task_evidence_add(
            actor=self.water_user, task=task, files=[pdf("完工报告.pdf")], kind=EvidenceKind.ACCEPTANCE
        )
        task.refresh_from_db()
        return services.task_transition(actor=self.water_user, task=task, action="submit")

    def accepted(self, task):
        from inspections.closure import services as closure

        task = self.submitted(task)
        closure.acceptance_record(
            actor=self.bureau,
            task=task,
            checked_on=timezone.localdate(),
            acceptors=[{"name": "王督察", "unit": "市生态环境局"}, {"name": "陈工", "unit": "市水务局"}],
            conclusion="pass",
            opinion="",
            standards={k: True for k in ("measures_done", "violations_punished", "lessons_applied", "results_public")},
            report_files=[],
        )
        task.refresh_from_db()
        return task


WIDER_THAN_PHONE = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > 390.5)
    .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
    .slice(0, 8)"""


def fits_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, page.evaluate(WIDER_THAN_PHONE)


def look_at_pdf(pdf_path, png_stem):
    """The PDF's first page as a PNG beside it (pdftoppm), to look at."""
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf_path), str(png_stem)], check=True)


def test_five_step_chain_end_to_end(page, live_server, screenshot_dir):
    base = live_server.url
    ledger = Ledger(five_steps=True)
    task = ledger.submitted(ledger.task())
    task_url = f"{base}/tasks/{task.pk}/"

    # 验收 by the county (bureau staff): two named acceptors, the standards, the conclusion.
    log_in(page, base, "duchaban")
    page.goto(task_url)
    expect(page.get_by_test_id("closure-chain")).to_contain_text("复核")
    page.get_by_test_id("action-verify").click()
    page.fill("#id_acceptor_0_name", "王督察")
    page.fill("#id_acceptor_0_unit", "县生态环境分局")
    page.fill("#id_acceptor_1_name", "陈工程师")
    page.fill("#id_acceptor_1_unit", "县水务局")
    page.screenshot(path=screenshot_dir / "closure-acceptance.png", full_page=True)
    page.get_by_test_id("acceptance-save").click()
    expect(page.get_by_test_id("task-status")).to_have_text("已验收")
    expect(page.get_by_test_id("acceptance-record")).to_contain_text("陈工程师")

    # 公示: 7 days by default; nothing moves on before the end.
    page.get_by_test_id("action-start_notice").click()
    page.fill("#id_where", "县人民政府网站")
    page.get_by_test_id("notice-save").click()
    expect(page.get_by_test_id("task-status")).to_have_text("公示中")
    expect(page.get_by_test_id("notice-period")).to_be_visible()
    task.refresh_from_db()
    assert (task.notice_ends_on - task.notice_starts_on).days == 6
    log_in(page, base, "leader")
    page.goto(f"{base}/tasks/{task.pk}/closure/confirm/close/")
    expect(page.get_by_test_id("confirm-refusal")).to_contain_text("公示期至")

    # The day after the notice ends (time-machine moves the live server's clock too).
    after = timezone.make_aware(dt.datetime.combine(task.notice_ends_on + dt.timedelta(days=1), dt.time(9)))
    with time_machine.travel(after, tick=True):
        # 审签 by the responsible leader on a phone, with a comment.
        page.set_viewport_size({"width": 390, "height": 844})
        log_in(page, base, "leader")
        page.goto(task_url)
        page.get_by_test_id("action-close").click()
        page.fill("#id_comment", "同意销号，请做好长效监管")
        page.screenshot(path=screenshot_dir / "closure-sign-390.png", full_page=True)
        fits_phone(page)
        page.get_by_test_id("confirm-action").click()
        expect(page.get_by_test_id("task-status")).to_have_text("已审签")
        fits_phone(page)

        # 复核 by the city (superior bureau account), then 销号报备 by the county.
        page.set_viewport_size({"width": 1280, "height": 900})
        log_in(page, base, "shiduchaban")
        page.goto(task_url)
        page.get_by_test_id("action-recheck").click()
        page.get_by_test_id("confirm-action").click()
        expect(page.get_by_test_id("task-status")).to_have_text("已复核")
        log_in(page, base, "duchaban")
        page.goto(task_url)
        page.get_by_test_id("action-file").click()
        page.get_by_test_id("confirm-action").click()
        expect(page.get_by_test_id("task-status")).to_contain_text("已销号")
        expect(page.get_by_test_id("closure-steps")).to_contain_text("同意销号，请做好长效监管")

        # The 销号审批表: every step's signer; printed to PDF by Chromium, and LibreOffice's PDF downloaded.
        page.goto(f"{base}/tasks/{task.pk}/closure/sheet/")
        table = page.get_by_test_id("filing-table")
        for text in ("验收通过", "开始公示", "审签销号", "复核通过", "销号报备", "张副市长", "刘处长", "陈工程师"):
            expect(table).to_contain_text(text)
        page.screenshot(path=screenshot_dir / "closure-filing-sheet.png", full_page=True)
        printed = screenshot_dir / "closure-filing-sheet-print.pdf"
        page.emulate_media(media="print")
        page.pdf(path=str(printed), format="A4")
        page.emulate_media(media="screen")
        assert printed.read_bytes().startswith(b"%PDF")
        look_at_pdf(printed, screenshot_dir / "closure-filing-sheet-print")
        with page.expect_download() as download:
            page.get_by_test_id("filing-pdf").click()
        saved = screenshot_dir / "closure-filing-sheet-libreoffice.pdf"
        download.value.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF")
        look_at_pdf(saved, screenshot_dir / "closure-filing-sheet-libreoffice")
    assert page.console_errors == []


def test_objection_refused_then_upheld(page, live_server, screenshot_dir):
    from inspections.closure import services as closure

    base = live_server.url
    ledger = Ledger(five_steps=True)
    task = ledger.accepted(ledger.task())
    closure.notice_start(actor=ledger.bureau, task=task, where="县人民政府网站", link="")
    log_in(page, base, "duchaban")
    page.goto(f"{base}/tasks/{task.pk}/")

    panel = page.get_by_test_id("closure-panel")
    panel.locator("textarea[name=content]").fill("群众反映仍有污水溢流")
    panel.locator("input[name=raised_by]").fill("张先生")
    page.get_by_test_id("objection-add").click()
    expect(page.get_by_test_id("objection")).to_have_count(1)
    page.get_by_test_id("objection").first.locator("select[name=upheld]").select_option("0")
    page.get_by_test_id("objection-note").first.fill("经现场核查，为雨天临时溢流，非直排")
    page.get_by_test_id("objection-decide").first.click()
    expect(page.get_by_test_id("objection").first).to_contain_text("异议不成立")
    expect(page.get_by_test_id("task-status")).to_have_text("公示中")

    panel = page.get_by_test_id("closure-panel")
    panel.locator("textarea[name=content]").fill("排口仍有黑臭水体")
    page.get_by_test_id("objection-add").click()
    expect(page.get_by_test_id("objection")).to_have_count(2)
    pending = page.get_by_test_id("objection").nth(1)
    pending.locator("select[name=upheld]").select_option("1")
    page.get_by_test_id("objection-note").first.fill("异议属实，退回整改")
    page.get_by_test_id("objection-decide").first.click()
    expect(page.get_by_test_id("task-status")).to_have_text("整改中")
    expect(page.get_by_test_id("timeline")).to_contain_text("异议属实，退回整改")
    page.screenshot(path=screenshot_dir / "closure-objections.png", full_page=True)


def test_extension_approved_moves_the_overdue_figure(page, live_server, screenshot_dir):
    base = live_server.url
    ledger = Ledger()
    past = timezone.localdate() - dt.timedelta(days=10)
    task = ledger.task(deadline_text=f"{past:%Y年%m月%d日}前", assigned_on=past - dt.timedelta(days=60))
    log_in(page, base, "leader")
    page.goto(f"{base}/dashboard/")
    expect(page.get_by_test_id("figure-overdue").get_by_test_id("figure-value")).to_have_text("1")

    log_in(page, base, "shuiwu")
    page.goto(f"{base}/tasks/{task.pk}/")
    page.get_by_test_id("extension-open").click()
    later = timezone.localdate() + dt.timedelta(days=60)
    page.locator("#closure-panel input[name=deadline_text]").fill(f"{later:%Y年%m月%d日}前")
    page.locator("#closure-panel textarea[name=reason]").fill("管网施工受汛期影响停工")
    page.get_by_test_id("extension-submit").click()
    expect(page.get_by_test_id("extension")).to_contain_text("待审批")

    log_in(page, base, "duchaban")
    page.goto(f"{base}/tasks/{task.pk}/")
    page.get_by_test_id("extension").locator("select[name=approve]").select_option("1")
    page.get_by_test_id("extension-decide").click()
    expect(page.get_by_test_id("extension")).to_contain_text("已批准")
    expect(page.get_by_test_id("deadlines")).to_contain_text("原定期限")
    expect(page.get_by_test_id("deadlines")).to_contain_text(f"{later:%Y年%m月%d日}")
    page.screenshot(path=screenshot_dir / "closure-extension.png", full_page=True)

    log_in(page, base, "leader")
    page.goto(f"{base}/dashboard/")
    expect(page.get_by_test_id("figure-overdue").get_by_test_id("figure-value")).to_have_text("0")


def test_lookback_sample_with_one_relapse(page, live_server, screenshot_dir, tmp_path):
    base = live_server.url
    ledger = Ledger()
    tasks = []
    for _ in range(3):
        task = ledger.accepted(ledger.task())
        tasks.append(services.task_transition(actor=ledger.leader, task=task, action="close"))
    log_in(page, base, "duchaban")
    page.goto(f"{base}/closure/lookbacks/")
    page.fill("#id_name", "2025年第一季度回头看")
    page.fill("#id_task_ids", str(tasks[0].pk))
    page.get_by_test_id("lookback-draw").click()
    expect(page.get_by_test_id("lookback-check")).to_have_count(1)
    check = page.get_by_test_id("lookback-check").first
    check.locator("input[name=inspector]").fill("王督察")
    check.locator("select[name=verdict]").select_option("relapse")
    check.locator("textarea[name=note]").fill("排口再次出现污水直排")
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
        )
    )
    check.locator("input[type=file]").set_input_files(str(photo))
    page.get_by_test_id("lookback-save").click()
    expect(page.get_by_test_id("lookback-verdict")).to_contain_text("反弹")
    page.screenshot(path=screenshot_dir / "closure-lookback.png", full_page=True)
    page.get_by_test_id("lookback-new-task").click()
    expect(page.get_by_test_id("relapse-of")).to_contain_text(tasks[0].code)
    expect(page.get_by_test_id("task-status")).to_have_text("尚未启动")
    old = RectificationTask.objects.get(pk=tasks[0].pk)
    assert old.status == TaskStatus.CLOSED and old.signed_off_at is not None

    page.goto(f"{base}/tasks/?lookback=relapse")
    expect(page.get_by_test_id("task-row")).to_have_count(1)
    page.goto(f"{base}/tasks/?lookback=reopened")
    expect(page.get_by_test_id("task-row")).to_have_count(1)


def test_batch_sign_off_of_thirty_with_two_refused(page, live_server, screenshot_dir):
    base = live_server.url
    ledger = Ledger()
    for i in range(30):
        ledger.accepted(ledger.task(leader=ledger.other_leader if i in (4, 17) else ledger.leader))
    log_in(page, base, "leader")
    page.goto(f"{base}/tasks/?status=verified&per_page=50")
    checks = page.get_by_test_id("batch-check")
    expect(checks).to_have_count(30)
    for i in range(30):
        checks.nth(i).check()
    page.get_by_test_id("batch-action").select_option("close")
    page.get_by_test_id("batch-comment").fill("同意销号")
    page.get_by_test_id("batch-submit").click()
    expect(page.get_by_test_id("batch-summary")).to_contain_text("成功 28 项，未办理 2 项")
    refused = page.get_by_test_id("batch-refused")
    expect(refused).to_have_count(2)
    for i in range(2):
        expect(refused.nth(i)).to_contain_text("只有该问题的责任领导")
    page.screenshot(path=screenshot_dir / "closure-batch.png", full_page=True)
    assert RectificationTask.objects.filter(status=TaskStatus.CLOSED).count() == 28
