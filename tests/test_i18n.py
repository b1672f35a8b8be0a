"""The English translation: complete, compiled, and switched on per session by the top bar's select."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from i18n_data import bureau_with_one_task

from accounts.choices import Role
from accounts.services import user_create
from inspections import services
from inspections.errors import NotAllowed
from inspections.models import RectificationTask

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO = LOCALE_DIR / "django.po"
MO = LOCALE_DIR / "django.mo"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _unquote(line):
    return line[line.index('"') + 1 : line.rindex('"')].encode("raw_unicode_escape").decode("unicode_escape")


def po_entries(path):
    """(msgctxt, msgid, [msgstr...], flags) for every entry of a .po file, header included."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        fields, flags, current = {}, set(), None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#~"):
                current = None
                fields["obsolete"] = [""]
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                fields[current][-1] += _unquote(line)
            else:
                current = line.split(" ", 1)[0].split("[", 1)[0]
                fields.setdefault(current, []).append(_unquote(line))
        if "msgid" in fields:
            entries.append((fields.get("msgctxt", [None])[0], fields["msgid"][0], fields.get("msgstr", []), flags))
        elif "obsolete" in fields:
            entries.append((None, "#~ obsolete", [], {"obsolete"}))
    return entries


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = [e for e in po_entries(PO) if e[1]]  # without the header
    assert len(entries) > 400
    untranslated = [msgid for _, msgid, msgstrs, _ in entries if not msgstrs or not all(msgstrs)]
    fuzzy = [msgid for _, msgid, _, flags in entries if "fuzzy" in flags or "obsolete" in flags]
    assert untranslated == []
    assert fuzzy == []
    # Ledger terms users must type or find in the Excel file (“督察轮次”, “立行立改” ...) stay in
    # Chinese inside “” quotes; any other Chinese in a translation is a translation left undone.
    still_chinese = [
        msgid for _, msgid, msgstrs, _ in entries if any(CJK.search(re.sub(r"“[^”]*”", "", s)) for s in msgstrs)
    ]
    assert still_chinese == []


def test_placeholders_survive_translation():
    placeholder = re.compile(r"%\(\w+\)[sd]|%\(\w+\)\.\df|%%|\{\w+\}")
    for _, msgid, msgstrs, _ in po_entries(PO):
        for msgstr in msgstrs:
            assert sorted(placeholder.findall(msgstr)) == sorted(placeholder.findall(msgid)), msgid


def test_committed_mo_matches_the_po():
    """The .mo is committed so English works without gettext; it must hold every .po message."""
    with MO.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    for context, msgid, msgstrs, _ in po_entries(PO):
        if not msgid:
            continue
        key = f"{context}\x04{msgid}" if context else msgid
        stored = catalog.get(key, catalog.get((key, 0)))
        assert stored == msgstrs[0], msgid


@pytest.fixture
def bureau(db):
    return bureau_with_one_task()


NAV_ZH = ["总览", "整改任务", "督察轮次", "调度通报", "台账导入"]
NAV_EN = ["Overview", "Tasks", "Rounds", "Reports", "Import"]


def nav_labels(html):
    return re.findall(
        r'<a class="(?:nav-link|dropdown-item)[^"]*"[^>]*href="[^"]*"[^>]*>\s*<i class="bi [^"]*"[^>]*></i>\s*([^<]+?)\s*(?:<span|</a>)',
        html,
    )


def test_chinese_is_the_default_for_a_new_session(client, bureau):
    client.force_login(bureau)

    html = client.get(reverse("inspections:task_list")).content.decode()

    assert '<html lang="zh-hans">' in html
    assert set(NAV_ZH) <= set(nav_labels(html))
    assert "牵头单位" in html and "Lead unit" not in html
    assert 'data-testid="warning">红色</span>' in html


def test_switching_to_english_translates_the_task_list(client, bureau):
    client.force_login(bureau)
    url = reverse("inspections:task_list")

    response = client.post("/i18n/setlang/", {"language": "en", "next": url})
    assert response.status_code == 302 and response.url == url
    html = client.get(url).content.decode()

    assert '<html lang="en">' in html
    labels = nav_labels(html)
    assert set(NAV_EN) <= set(labels)
    assert not any(CJK.search(label) for label in labels)
    for header in (
        "Finding / rectification measures",
        "Inspection round",
        "Lead unit",
        "Rectification deadline",
        "Status",
        "Progress",
        "Schedule / warning",
        "Log out",
    ):
        assert header in html
    for chinese in NAV_ZH + ["牵头单位", "反馈问题 / 整改措施", "退出"]:
        assert chinese not in html
    assert 'data-testid="warning">Red</span>' in html  # the overdue task's short warning badge
    # Data is not translated: the task's finding and unit keep their Chinese names.
    assert "污水直排问题" in html and "市水务局" in html

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": url})
    assert set(NAV_ZH) <= set(nav_labels(client.get(url).content.decode()))


def test_service_errors_follow_the_active_language(bureau):
    leader = user_create(username="boss", password=None, role=Role.LEADER, full_name="李局长")
    task = RectificationTask.objects.get()
    for language, expected in (
        ("zh-hans", "只有督察办工作人员可以修改整改任务。"),
        ("en", "Only inspection office staff can edit rectification tasks."),
    ):
        with translation.override(language), pytest.raises(NotAllowed) as caught:
            services.task_update(actor=leader, task=task, expected_version=task.version, goal="x")
        assert caught.value.message == expected
