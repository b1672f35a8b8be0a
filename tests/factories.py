"""The one test world: a unit tree, one user per role and a contact per unit, built through the accounts
and inspections services as people would; the password and the PDF every test uses.

Test groups take the part of the world they need (`World(units=..., users=...)`); where a group's
assertions name a unit or a user differently, it says so with `names=` / `usernames=`, not with its own
builder.
"""

import itertools

from django.core.files.uploadedfile import SimpleUploadedFile

import oracle
from accounts.choices import Role, UnitKind
from accounts.services import unit_create, user_create, user_role_group_sync
from inspections import services
from inspections.choices import RoundKind

PASSWORD = "Rectify@2026"

# A minimal valid PDF: the upload check looks at the bytes, not the name.
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf(name="整改报告.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# key: (name, code, kind, parent key). City bureau > water dept > sewage plant > workshop; housing dept >
# its team; two townships.
UNITS = {
    "city": ("XX市生态环境局", "CITY", UnitKind.BUREAU, None),
    "water": ("市水务局", "SW", UnitKind.DEPARTMENT, "city"),
    "plant": ("城东污水处理厂", "SW-P", UnitKind.ENTERPRISE, "water"),
    "workshop": ("一号车间", "SW-P-1", UnitKind.ENTERPRISE, "plant"),
    "housing": ("市住房和城乡建设局", "ZJ", UnitKind.DEPARTMENT, "city"),
    "housing_team": ("县住建局城建股", "ZJ-CJ", UnitKind.DEPARTMENT, "housing"),
    "town": ("南山镇", "NSZ", UnitKind.TOWNSHIP, "city"),
    "hekou": ("河口镇", "HK", UnitKind.TOWNSHIP, "city"),
}

# key: (username, role, unit key, full name, email). One user per role, one contact per unit.
USERS = {
    "admin": ("admin", Role.ADMIN, None, "管理员", "admin@example.gov.cn"),
    "bureau": ("duchaban", Role.BUREAU, "city", "王督察", "bureau@example.gov.cn"),
    "leader": ("leader", Role.LEADER, None, "张副市长", "leader@example.gov.cn"),
    "other_leader": ("leader2", Role.LEADER, None, "陈副市长", "leader2@example.gov.cn"),
    "superior": ("shiduchaban", Role.SUPERIOR, None, "刘处长", "superior@example.gov.cn"),
    "water_user": ("shuiwu", Role.UNIT, "water", "李联络员", "water@example.gov.cn"),
    "plant_user": ("plant", Role.UNIT, "plant", "孙联络员", "plant@example.gov.cn"),
    "housing_user": ("zhujian", Role.UNIT, "housing", "周联络员", "housing@example.gov.cn"),
    "town_user": ("nanshan", Role.UNIT, "town", "赵联络员", "town@example.gov.cn"),
    "hekou_user": ("hekou", Role.UNIT, "hekou", "钱联络员", "hekou@example.gov.cn"),
}

# The "测试…" names some groups' assertions use for the same units.
TEST_NAMES = {"city": "测试市生态环境局", "water": "测试市水务局", "town": "测试南山镇"}

_serial = itertools.count(1)


def make_user(username, role, unit=None, *, password=PASSWORD, full_name=None, **extra):
    """A user as the user admin makes one: role group and staff flag synced."""
    user = user_create(
        username=username, password=password, role=role, unit=unit, full_name=full_name or username, **extra
    )
    user_role_group_sync(user)
    return user


class World:
    """Units and users of the one jurisdiction, as attributes named by their keys (`world.water`,
    `world.bureau`), plus `world.units` and `world.users` dicts."""

    def __init__(self, units=tuple(UNITS), users=tuple(USERS), *, names=None, usernames=None, password=PASSWORD):
        names, usernames = names or {}, usernames or {}
        self.units, self.users = {}, {}
        for key in units:
            name, code, kind, parent = UNITS[key]
            self.units[key] = unit_create(
                name=names.get(key, name), code=code, kind=kind, parent=self.units[parent] if parent else None
            )
        for key in users:
            username, role, unit, full_name, email = USERS[key]
            self.users[key] = make_user(
                usernames.get(key, username),
                role,
                self.units[unit] if unit else None,
                password=password,
                full_name=full_name,
                email=email,
            )
        for key, value in {**self.units, **self.users}.items():
            setattr(self, key, value)

    def by_role(self, role):
        """The user of a role who may act on a task led by the water department (or the first unit)."""
        unit_user = self.users.get("water_user") or next(u for u in self.users.values() if u.role == Role.UNIT)
        return {Role.UNIT: unit_user}.get(role) or next(u for u in self.users.values() if u.role == role)

    def add_user(self, key, **overrides):
        """One more user of the catalogue, made in this world (for groups that make users on demand)."""
        username, role, unit, full_name, email = USERS[key]
        fields = {"full_name": full_name, "email": email, **overrides}
        user = make_user(fields.pop("username", username), role, self.units[unit] if unit else None, **fields)
        self.users[key] = user
        setattr(self, key, user)
        return user

    def walk(self, task, status, *, unit_user=None, route=None):
        """Move a new task to `status` along the oracle's route, each step by the role that does it.

        The closure request says why it comes before 100 % (the tasks walked here report no progress).
        """
        actors = {role: self.by_role(role) for role in (Role.BUREAU, Role.LEADER)}
        actors[Role.UNIT] = unit_user or self.by_role(Role.UNIT)
        for action, role in (route or oracle.ROUTE)[status]:
            if role not in actors:
                actors[role] = self.by_role(role)
            reason = "按期完成主体工程，剩余扫尾工作" if action == "submit" and task.percent < 100 else ""
            task = services.task_transition(actor=actors[role], task=task, action=action, reason=reason)
        task.refresh_from_db()
        assert task.status == status
        return task


def make_round(*, actor, kind=RoundKind.PROVINCIAL, name=None, **fields):
    return services.round_create(actor=actor, kind=kind, name=name or f"测试督察第{next(_serial)}轮", **fields)


def make_task(*, actor, lead_unit, deadline_text="2030年12月31日前", inspection_round=None, summary=None, **fields):
    """A finding with one task for `lead_unit`, in a fresh round unless one is given."""
    n = next(_serial)
    finding = services.finding_create(
        actor=actor,
        inspection_round=inspection_round or make_round(actor=actor, name=f"测试督察第{n}轮"),
        summary=summary or f"测试问题{n}：河道黑臭",
        tasks=[{"lead_unit": lead_unit, "deadline_text": deadline_text, **fields}],
    )
    return finding.tasks.get()
