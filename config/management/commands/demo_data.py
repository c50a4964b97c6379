"""Load demo data: courts, staff, parties and a few hundred cases whose histories are replayed through the services.

Every case is moved by the same services a clerk uses, each step on the day it would have happened (time travel
with time-machine), so the audit trail, the decisions and the list look like a real court's. Deterministic for a
given --seed. Refuses to run twice on the same database (use --force to add more cases anyway).
"""

import base64
import contextlib
import datetime
import logging
import random
import uuid
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from config.celery import app as celery_app
from enforcement import services
from enforcement.demo_identities import resident_id, uscc
from enforcement.models import CaseState, Court, EnforcementCase, Party, ResponsiblePerson, StaffRole
from enforcement.rules import ClosingReason, Ground, LiftReason, RestrictionCategory
from listings import services as listing_services
from listings.models import PUBLIC, ListingDecision, RestrictionOrder

DEMO_PASSWORD = "registry-demo-2026"  # noqa: S105 - printed for the demo logins; never used in production
# One TOTP key for every demo login, so one entry in an authenticator app serves them all (printed by quickstart).
DEMO_TOTP_KEY = b"registry-demo-2026!!".hex()

COURTS = [
    # code, name, English name, level, province, higher court code
    ("京", "北京市高级人民法院", "Beijing High People's Court", "high", "11", None),
    ("京02", "北京市第二中级人民法院", "Beijing No. 2 Intermediate People's Court", "intermediate", "11", "京"),
    ("京03", "北京市第三中级人民法院", "Beijing No. 3 Intermediate People's Court", "intermediate", "11", "京"),
    ("京0101", "北京市东城区人民法院", "Dongcheng District People's Court, Beijing", "basic", "11", "京02"),
    ("京0106", "北京市丰台区人民法院", "Fengtai District People's Court, Beijing", "basic", "11", "京02"),
    ("京0105", "北京市朝阳区人民法院", "Chaoyang District People's Court, Beijing", "basic", "11", "京03"),
    ("沪", "上海市高级人民法院", "Shanghai High People's Court", "high", "31", None),
    ("沪01", "上海市第一中级人民法院", "Shanghai No. 1 Intermediate People's Court", "intermediate", "31", "沪"),
    ("沪0115", "上海市浦东新区人民法院", "Pudong New Area People's Court, Shanghai", "basic", "31", "沪01"),
    ("粤", "广东省高级人民法院", "Guangdong High People's Court", "high", "44", None),
    ("粤01", "广州市中级人民法院", "Guangzhou Intermediate People's Court", "intermediate", "44", "粤"),
    ("粤0106", "广州市天河区人民法院", "Tianhe District People's Court, Guangzhou", "basic", "44", "粤01"),
    ("粤03", "深圳市中级人民法院", "Shenzhen Intermediate People's Court", "intermediate", "44", "粤"),
    ("粤0304", "深圳市福田区人民法院", "Futian District People's Court, Shenzhen", "basic", "44", "粤03"),
]
# Username prefix per basic court: the Dongcheng court's staff are plain "clerk" and "approver".
STAFF = {
    "京0101": "",
    "京0106": "fengtai.",
    "京0105": "chaoyang.",
    "沪0115": "pudong.",
    "粤0106": "tianhe.",
    "粤0304": "futian.",
}
AREA = {
    "京0101": "110101",
    "京0106": "110106",
    "京0105": "110105",
    "沪0115": "310115",
    "粤0106": "440106",
    "粤0304": "440304",
}
REVIEWERS = {
    "京02": "beijing2.reviewer",
    "京03": "beijing3.reviewer",
    "沪01": "shanghai1.reviewer",
    "粤01": "guangzhou.reviewer",
    "粤03": "shenzhen.reviewer",
}
CITY = {"11": "北京", "31": "上海", "44": "广州"}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "建国",
    "志强",
    "海燕",
    "文",
    "玉兰",
    "晨",
    "宇",
    "浩",
    "欣怡",
    "子涵",
    "梓萱",
    "俊杰",
    "红梅",
    "国庆",
    "立新",
    "春生",
    "丹",
    "鹏",
    "婷",
    "雪",
    "慧",
    "琳",
    "斌",
    "波",
    "辉",
    "凯",
    "亮",
    "宁",
    "晶",
    "倩",
    "颖",
    "佳",
    "玲",
    "帅",
    "健",
    "彬",
]
COMMON_NAMES = ["王伟", "李娜", "张伟", "王芳", "刘洋"]  # several unrelated people share each of these names
BRANDS = [
    "华信",
    "恒通",
    "鼎盛",
    "金源",
    "宏达",
    "瑞丰",
    "泰和",
    "盛世",
    "天成",
    "中联",
    "新元",
    "汇通",
    "博雅",
    "安泰",
    "正邦",
    "永昌",
    "嘉禾",
    "海川",
    "星辰",
    "卓越",
]
TRADES = [
    "科技",
    "贸易",
    "建设工程",
    "商贸",
    "实业",
    "餐饮管理",
    "房地产开发",
    "物流",
    "文化传媒",
    "投资管理",
    "装饰工程",
    "医疗器械",
]
BANKS = ["中国工商银行股份有限公司", "中国建设银行股份有限公司", "招商银行股份有限公司", "交通银行股份有限公司"]
OBLIGATIONS = [
    "被执行人应于判决生效之日起十日内偿还申请执行人借款本金{amount}元及相应利息。",
    "被执行人应向申请执行人支付货款{amount}元及逾期付款违约金。",
    "被执行人应向申请执行人支付工程款{amount}元。",
    "被执行人应向申请执行人支付拖欠的劳动报酬及经济补偿金共计{amount}元。",
    "被执行人应返还申请执行人租赁保证金并支付租金共计{amount}元。",
]

# What becomes of each case, with its weight (see `_replay`).
OUTCOMES = {
    "judgment": 10,
    "defaulted": 11,
    "restricted": 13,
    "listed": 26,
    "listed_grace": 4,
    "listed_from_restricted": 6,
    "expired": 2,
    "revoked": 2,
    "lifted": 2,
    "paid_pending": 3,
    "closed_paid": 9,
    "closed_settled": 4,
    "closed_other": 8,
}


@dataclass
class Staff:
    clerk: object
    approver: object


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=300, help="how many cases (default 300)")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--force", action="store_true", help="add cases even if demo data is already loaded")

    def handle(self, *args, cases: int, seed: int, force: bool, **options):
        try:
            import time_machine  # noqa: F401 - the replay needs it
        except ImportError:
            raise CommandError(
                "demo_data replays history with time-machine: pip install -r requirements/dev.txt"
            ) from None
        if cases < 1:
            raise CommandError("--cases must be at least 1.")
        if EnforcementCase.objects.exists() and not force:
            self.stdout.write("Demo data is already loaded (use --force to add more cases).")
            return
        logging.getLogger("enforcement").setLevel(logging.WARNING)  # the replay would log every transition
        self.password_hash = make_password(DEMO_PASSWORD)
        self.rng = random.Random(seed)
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.today = timezone.localdate()
        courts = self._courts()
        self.staff = self._staff(courts)
        self.creditors = self._creditors()
        basic = [c for c in courts.values() if c.level == Court.Level.BASIC]
        outcomes = self.rng.choices(list(OUTCOMES), weights=list(OUTCOMES.values()), k=cases)
        serials: dict[str, int] = {}
        self.pending_payments: list[tuple[int, Court]] = []
        for i, outcome in enumerate(outcomes):
            court = basic[i % len(basic)]
            self._replay(court, outcome, serials)
            if (i + 1) % 50 == 0:
                self.stdout.write(f"  {i + 1} cases ...")
        self._minor_case(basic[0], serials)
        # The daily run, now; then payments whose closing task no worker has run yet.
        call_command("run_daily_jobs", stdout=self.stdout)
        for case_id, court in self.pending_payments:
            case = EnforcementCase.objects.get(pk=case_id)
            with self._tasks_queued_not_run():
                self._pay(case, self.staff[court.code], None, case.balance)
        self.stdout.write(self.style.SUCCESS(f"Loaded {cases + 1} cases in {len(basic)} basic courts."))
        from appeals.demo import add_demo_requests  # the appeals app's part of the demo

        add_demo_requests(self.stdout)

    # --- reference data ------------------------------------------------------------------------------------------

    def _courts(self) -> dict[str, Court]:
        courts: dict[str, Court] = {}
        for code, name, name_en, level, province, higher in COURTS:
            courts[code], _ = Court.objects.update_or_create(
                code=code,
                defaults={
                    "name": name,
                    "name_en": name_en,
                    "level": level,
                    "province": province,
                    "higher_court": courts.get(higher),
                },
            )
        return courts

    def _user(self, username, first_name, last_name="", **flags):
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": first_name, "last_name": last_name, "is_staff": True, **flags}
        )
        user.password = self.password_hash  # hashed once: the hasher is slow on purpose
        user.save()
        return user

    def _staff(self, courts) -> dict[str, Staff]:
        staff = {}
        for code, prefix in STAFF.items():
            court = courts[code]
            district = court.name.replace("人民法院", "").split("市")[-1]
            clerk = self._user(f"{prefix}clerk", f"{district}书记员")
            approver = self._user(f"{prefix}approver", f"{district}审批人")
            StaffRole.objects.get_or_create(user=clerk, court=court, role=StaffRole.Role.CLERK)
            StaffRole.objects.get_or_create(user=approver, court=court, role=StaffRole.Role.APPROVER)
            staff[code] = Staff(clerk, approver)
        for code, username in REVIEWERS.items():
            reviewer = self._user(username, "复议审查员")
            StaffRole.objects.get_or_create(user=reviewer, court=courts[code], role=StaffRole.Role.REVIEWER)
        self._user("admin", "系统管理员", is_superuser=True)
        return staff

    # --- parties -------------------------------------------------------------------------------------------------

    def _person(self, *, area=None, birth=None, name=None) -> Party:
        rng = self.rng
        sex = rng.choice("MF")
        birth = birth or datetime.date(1955, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 45))
        name = name or (rng.choice(COMMON_NAMES) if rng.random() < 0.12 else rng.choice(SURNAMES) + rng.choice(GIVEN))
        while True:
            number = resident_id(rng, birth_date=birth, sex=sex, area=area)
            if not Party.objects.filter(id_type="resident_id", id_number=number).exists():
                break
        return services.party_create(
            actor=None,
            kind=Party.Kind.PERSON,
            name=name,
            id_type=Party.IdType.RESIDENT_ID,
            id_number=number,
            address=f"{rng.choice(['朝阳路', '建国门内大街', '中山路', '人民路', '解放路'])}{rng.randrange(1, 300)}号",
            phone=f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
        )

    def _organisation(self, province: str, area=None) -> Party:
        rng = self.rng
        name = f"{CITY.get(province, '北京')}{rng.choice(BRANDS)}{rng.choice(TRADES)}有限公司"
        suffix = 0
        while Party.objects.filter(name=name if not suffix else f"{name[:-4]}{suffix}号有限公司").exists():
            suffix += 1
        name = name if not suffix else f"{name[:-4]}{suffix}号有限公司"
        org = services.party_create(
            actor=None,
            kind=Party.Kind.ORGANISATION,
            name=name,
            id_type=Party.IdType.USCC,
            id_number=uscc(rng, area=area),
        )
        roles = [ResponsiblePerson.Role.LEGAL_REPRESENTATIVE]
        if rng.random() < 0.4:
            roles.append(ResponsiblePerson.Role.ACTUAL_CONTROLLER)
        if rng.random() < 0.2:
            roles.append(ResponsiblePerson.Role.DIRECTLY_RESPONSIBLE)
        for role in roles:
            person = self._person(area=area)
            services.responsible_person_add(actor=None, organisation_id=org.pk, person_id=person.pk, role=role)
        return org

    def _creditors(self) -> list[Party]:
        creditors = []
        for bank in BANKS:
            creditors.append(
                services.party_create(
                    actor=None,
                    kind=Party.Kind.ORGANISATION,
                    name=bank,
                    id_type=Party.IdType.USCC,
                    id_number=uscc(self.rng),
                )
            )
        return creditors

    # --- histories -----------------------------------------------------------------------------------------------

    def _at(self, day: datetime.date, hour: int = 10):
        import time_machine

        moment = datetime.datetime.combine(day, datetime.time(hour, self.rng.randrange(0, 60)), tzinfo=self.tz)
        return time_machine.travel(moment, tick=False)

    def _amount(self) -> Decimal:
        return Decimal(int(self.rng.lognormvariate(11.5, 1.3)) + 3000).quantize(Decimal("1.00"))

    def _open(self, court, filed_on, serials, debtor=None) -> EnforcementCase:
        rng = self.rng
        staff = self.staff[court.code]
        area = AREA[court.code]
        if debtor is None:
            debtor = self._person(area=area) if rng.random() < 0.7 else self._organisation(court.province, area)
        creditor = rng.choice(self.creditors) if rng.random() < 0.4 else self._person(area=area)
        if rng.random() < 0.3 and debtor.kind == Party.Kind.PERSON:
            creditor = self._organisation(court.province, area)
        year = filed_on.year
        serials[f"{court.code}{year}"] = serials.get(f"{court.code}{year}", rng.randrange(100, 900)) + rng.randrange(
            1, 12
        )
        amount = self._amount()
        basis_date = filed_on - datetime.timedelta(days=rng.randrange(40, 200))
        with self._at(filed_on, 9):
            return services.case_open(
                actor=staff.clerk,
                court_id=court.pk,
                case_number=f"（{year}）{court.code}执{serials[f'{court.code}{year}']}号",
                creditor_id=creditor.pk,
                debtor_id=debtor.pk,
                basis_issuer=court.name,
                basis_number=f"（{basis_date.year}）{court.code}民初{rng.randrange(1000, 40000)}号",
                basis_date=basis_date,
                obligation=rng.choice(OBLIGATIONS).format(amount=f"{amount:,.2f}"),
                amount_due=amount,
                filed_on=filed_on,
                seized_assets_value=Decimal("0.00"),
            )

    def _pay(self, case, staff, day, amount) -> None:
        """Record a payment on `day` (None: now, without time travel)."""
        with self._at(day, 15) if day else contextlib.nullcontext():
            services.payment_record(
                actor=staff.clerk,
                case_id=case.pk,
                amount=amount,
                currency=case.currency,
                paid_on=day or timezone.localdate(),
                method=self.rng.choice(["bank_transfer", "court_deduction", "auction", "direct"]),
                reference=f"HX{self.rng.randrange(10**9, 10**10)}",
                idempotency_key=str(uuid.UUID(int=self.rng.getrandbits(128))),
            )

    def _replay(self, court, outcome: str, serials) -> None:
        rng, today = self.rng, self.today
        staff = self.staff[court.code]
        needs = {"judgment": 0, "expired": 2 * 365 + 130}.get(outcome, 100)
        if outcome == "judgment":
            filed_on = today - datetime.timedelta(days=rng.randrange(0, 12))
        else:
            filed_on = today - datetime.timedelta(days=needs + rng.randrange(0, 700 if outcome != "expired" else 200))
        case = self._open(court, filed_on, serials)
        if outcome == "judgment":
            return
        day = filed_on + datetime.timedelta(days=rng.randrange(1, 4))
        with self._at(day):
            case = services.notice_record(
                actor=staff.clerk,
                case_id=case.pk,
                served_on=day,
                payment_days=rng.choice([10, 15, 30]),
                warns_listing=outcome not in ("defaulted", "restricted") or rng.random() < 0.85,
            )
        if rng.random() < 0.25:
            self._pay(
                case,
                staff,
                day + datetime.timedelta(days=3),
                (case.amount_due * Decimal("0.2")).quantize(Decimal("1.00")),
            )
        day = case.payment_due_on + datetime.timedelta(days=1)
        with self._at(day, 2):
            case = services.case_declare_default(actor=None, case_id=case.pk, reason="缴款期限届满，仍未履行。")
        if outcome in ("closed_paid", "paid_pending") and rng.random() < 0.3:
            self._finish(case, staff, outcome, day + datetime.timedelta(days=rng.randrange(3, 20)))
            return
        if outcome == "defaulted":
            return
        day += datetime.timedelta(days=rng.randrange(3, 12))
        restricted_first = (
            outcome in ("restricted", "lifted", "listed_from_restricted", "expired") or rng.random() < 0.3
        )
        if restricted_first:
            with self._at(day):
                order = listing_services.restriction_order_propose(
                    actor=staff.clerk,
                    case_id=case.pk,
                    categories=RestrictionCategory.values,
                    facts="被执行人未按执行通知履行义务。",
                )
            day += datetime.timedelta(days=rng.randrange(1, 4))
            with self._at(day, 16):
                listing_services.restriction_order_approve(
                    actor=staff.approver,
                    order_id=order.pk,
                    order_number=f"（{day.year}）{court.code}执限{order.pk}号",
                    served_on=day,
                )
            if outcome == "restricted":
                return
            if outcome == "lifted":
                day += datetime.timedelta(days=rng.randrange(10, 40))
                with self._at(day):
                    listing_services.restriction_order_lift(
                        actor=staff.approver,
                        order_id=order.pk,
                        reason=LiftReason.SECURITY_GIVEN,
                        note="被执行人提供了足额担保。",
                    )
                return
        day += datetime.timedelta(days=rng.randrange(5, 20))
        grounds = self._grounds(case, outcome)
        grace = rng.choice([1, 2]) if outcome == "listed_grace" else 0
        if outcome == "listed_grace":
            day = max(day, today - datetime.timedelta(days=20))
        with self._at(day):
            decision = listing_services.listing_propose(
                actor=staff.clerk,
                case_id=case.pk,
                grounds=grounds,
                grace_months=grace,
                facts="被执行人有履行能力而拒不履行生效法律文书确定的义务。",
            )
        day += datetime.timedelta(days=rng.randrange(1, 5))
        with self._at(day, 16):
            listing_services.listing_approve(
                actor=staff.approver,
                decision_id=decision.pk,
                served_on=day,
                decision_number=f"（{day.year}）{court.code}执失{decision.pk}号",
                order_number=self._order_number(court, day, decision),
            )
        if outcome == "expired":
            decision.refresh_from_db()
            with self._at(decision.expires_on + datetime.timedelta(days=1), 2):
                listing_services.listing_expire(actor=None, decision_id=decision.pk)
            return
        if outcome == "revoked":
            day += datetime.timedelta(days=rng.randrange(5, 30))
            with self._at(day):
                listing_services.listing_revoke(
                    actor=staff.approver,
                    decision_id=decision.pk,
                    reason="经复核，被执行人已在纳入前提供足额担保，系错误纳入。",
                )
            return
        if outcome.startswith("listed"):
            return
        self._finish(case, staff, outcome, day + datetime.timedelta(days=rng.randrange(10, 200)))

    def _grounds(self, case, outcome) -> list[int]:
        if outcome == "expired":
            return [Ground.EVADES]
        grounds = [Ground.ABLE_BUT_REFUSES] if self.rng.random() < 0.75 else []
        if self.rng.random() < 0.35 or not grounds:
            grounds.append(
                self.rng.choice(
                    [
                        Ground.OBSTRUCTS,
                        Ground.EVADES,
                        Ground.ASSET_REPORTING,
                        Ground.BREACHES_RESTRICTION,
                        Ground.REFUSES_SETTLEMENT,
                    ]
                )
            )
        return grounds

    def _finish(self, case, staff, outcome, day) -> None:
        day = min(day, self.today)
        case.refresh_from_db()
        if outcome == "closed_paid":
            self._pay(case, staff, day, case.balance)
        elif outcome == "paid_pending":
            # Paid this morning, after the nightly run; the closing task is queued but no worker has run it yet
            # (without a broker it waits in this process's memory and is gone when the command ends). Tonight's
            # sweep, or a clerk from the case page, closes these.
            self.pending_payments.append((case.pk, case.court))
        elif outcome == "closed_settled":
            with self._at(day):
                services.case_settle(actor=staff.clerk, case_id=case.pk, reason="双方达成和解协议并已履行完毕。")
        else:
            reason = self.rng.choice(
                [
                    ClosingReason.NO_ASSETS,
                    ClosingReason.NO_ASSETS,
                    ClosingReason.CREDITOR_REQUEST,
                    ClosingReason.ENFORCEMENT_TERMINATED,
                    ClosingReason.JUDGMENT_SET_ASIDE,
                    ClosingReason.SUSPENDED,
                ]
            )
            with self._at(day):
                # Closing a listed or restricted case ends its sanctions: the approver's act (four eyes).
                case.refresh_from_db()
                closer = staff.approver if case.state in (CaseState.LISTED, CaseState.RESTRICTED) else staff.clerk
                services.case_close(actor=closer, case_id=case.pk, reason=reason, note="经合议庭评议。")

    @staticmethod
    def _order_number(court, day, decision) -> str:
        """The number of the restriction order signed with a listing (its own id: unique in the court)."""
        companion = RestrictionOrder.objects.filter(listing=decision).first()
        return f"（{day.year}）{court.code}执限{companion.pk}号" if companion else ""

    @contextlib.contextmanager
    def _tasks_queued_not_run(self):
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = False
        try:
            yield
        finally:
            celery_app.conf.task_always_eager = eager

    def _minor_case(self, court, serials) -> None:
        """A defaulted debtor who is a minor: the listing form refuses them, as the law says."""
        staff = self.staff[court.code]
        birth = self.today.replace(year=self.today.year - 16)
        minor = self._person(area=AREA[court.code], birth=birth, name="赵子轩")
        case = self._open(court, self.today - datetime.timedelta(days=80), serials, debtor=minor)
        day = case.filed_on + datetime.timedelta(days=1)
        with self._at(day):
            case = services.notice_record(
                actor=staff.clerk, case_id=case.pk, served_on=day, payment_days=10, warns_listing=True
            )
        with self._at(case.payment_due_on + datetime.timedelta(days=1), 2):
            services.case_declare_default(actor=None, case_id=case.pk)


def demo_second_factors() -> str:
    """Give every staff user without a TOTP device the demo key; return the key in base32 for an app."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for user in get_user_model().objects.filter(is_staff=True, totpdevice__isnull=True):
        TOTPDevice.objects.create(user=user, name="demo authenticator", key=DEMO_TOTP_KEY, confirmed=True)
    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()


def demo_summary() -> dict[str, int]:
    counts = {}
    for state, _label in EnforcementCase._meta.get_field("state").choices:
        counts[state] = EnforcementCase.objects.filter(state=state).count()
    counts["published listings"] = ListingDecision.objects.filter(PUBLIC).count()
    counts["orders in force"] = RestrictionOrder.objects.filter(status="in_force").count()
    return counts
