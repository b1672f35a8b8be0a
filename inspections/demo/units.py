"""The demo jurisdiction: the city bureau, departments, townships and a few enterprises."""

from accounts.choices import Role, UnitKind
from accounts.models import Unit, User
from accounts.services import user_role_group_sync

ROOT = ("XX市生态环境局", "BUREAU")
DEPARTMENTS = [
    ("市住房和城乡建设局", "ZJ"),
    ("市水务局", "SW"),
    ("市自然资源和规划局", "ZR"),
    ("市农业农村局", "NY"),
    ("市工业和信息化局", "GX"),
    ("市城市管理局", "CG"),
    ("市交通运输局", "JT"),
    ("市林业局", "LY"),
    ("市发展和改革委员会", "FG"),
    ("生态环境局城区分局", "CQFJ"),
]
TOWNSHIPS = [
    ("城关街道", "CGJD"),
    ("东城街道", "DCJD"),
    ("西湖镇", "XHZ"),
    ("南山镇", "NSZ"),
    ("北岭乡", "BLX"),
    ("河口镇", "HKZ"),
]
ENTERPRISES = [("南山水泥有限公司", "NSSN", "NSZ"), ("河口化工有限公司", "HKHG", "HKZ")]

DEMO_PASSWORD = "Rectify@2026"
DEMO_USERS = [
    # username, full name, role, unit code, description for the README
    ("admin", "系统管理员", Role.ADMIN, None),
    ("duchaban", "王督察", Role.BUREAU, "BUREAU"),
    ("leader", "张副市长", Role.LEADER, None),
    ("zhujian", "李联络员", Role.UNIT, "ZJ"),
    ("nanshan", "赵联络员", Role.UNIT, "NSZ"),
]


def ensure_units() -> dict[str, Unit]:
    root, _ = Unit.objects.get_or_create(code=ROOT[1], defaults={"name": ROOT[0], "kind": UnitKind.BUREAU})
    units = {root.code: root}
    for name, code in DEPARTMENTS:
        units[code] = Unit.objects.get_or_create(
            code=code, defaults={"name": name, "kind": UnitKind.DEPARTMENT, "parent": root}
        )[0]
    for name, code in TOWNSHIPS:
        units[code] = Unit.objects.get_or_create(
            code=code, defaults={"name": name, "kind": UnitKind.TOWNSHIP, "parent": root}
        )[0]
    for name, code, parent in ENTERPRISES:
        units[code] = Unit.objects.get_or_create(
            code=code, defaults={"name": name, "kind": UnitKind.ENTERPRISE, "parent": units[parent]}
        )[0]
    return units


def ensure_users(units: dict[str, Unit]) -> dict[str, User]:
    users = {}
    for username, full_name, role, unit_code in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                full_name=full_name,
                role=role,
                unit=units.get(unit_code) if unit_code else None,
                email=f"{username}@example.gov.cn",
            )
            user.set_password(DEMO_PASSWORD)
            user.is_superuser = role == Role.ADMIN
            user.save()
            user_role_group_sync(user)
        users[username] = user
    # Every other unit gets a contact (联络员) without a usable password, so the timeline names real people.
    for code, unit in units.items():
        if unit.kind == UnitKind.BUREAU or User.objects.filter(unit=unit, role=Role.UNIT).exists():
            continue
        contact = User(username=f"contact_{code.lower()}", full_name=f"{unit.name}联络员", role=Role.UNIT, unit=unit)
        contact.set_unusable_password()
        contact.save()
    for extra_leader, name in [("leader2", "陈副市长"), ("leader3", "刘副市长")]:
        if not User.objects.filter(username=extra_leader).exists():
            user = User(username=extra_leader, full_name=name, role=Role.LEADER)
            user.set_unusable_password()
            user.save()
    return users
