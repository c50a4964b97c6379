"""Build a realistic data set at a chosen scale straight into PostgreSQL with COPY, reproducibly from a seed.

    .venv/bin/python bench/generate.py --cases 1000000 --database er_bench_1m [--seed 1]

The database is (re)created, migrated, loaded with its secondary indexes and foreign keys dropped, and then
they are rebuilt and the tables analysed: minutes, not hours, at ten million cases. What it holds:

- ~3,400 courts (31 high, ~400 intermediate, ~3,000 basic), a clerk and an approver;
- debtors (75% persons with valid resident IDs, 25% organisations with valid USCCs and one to three
  responsible persons), a pool of creditors; names drawn from the common-surname distribution, so that a
  search for 王伟 or 李娜 hits many rows;
- cases over every state: about half listed (a few still in their grace period), a share restricted,
  defaulted, judgment and closed, with the listing decisions, restriction orders (binding an
  organisation's responsible persons), temporary lifts and one audit row per case;
- the change feed carriers read: one event per publication, per restriction order and bound person, per
  lift and removal (written by SQL on the server after the load, in the order the changes happened);
- the carriers' restriction index, built from those rows by the application (`manage.py restriction_index`);
- a data set that is settled as of its day (TODAY): nothing is due for a daily job on the next day, so the
  runner decides exactly which rows are due when it measures the jobs (see `bench/jobs.py`);
- a row in `bench_dataset` saying what was generated (the runner checks it before reusing the database).
"""

import argparse
import datetime
import hashlib
import io
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from enforcement.identity import resident_id_check_char, uscc_check_char  # noqa: E402

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
    "崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
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
    "宏",
    "峰",
    "飞",
    "鑫",
    "鹏飞",
    "海涛",
    "志刚",
    "淑珍",
    "凤英",
    "玉梅",
    "金凤",
    "小红",
    "晓东",
    "晓燕",
    "春梅",
    "桂兰",
    "丽娟",
    "文华",
    "建平",
    "红霞",
    "丽华",
    "志明",
    "永刚",
    "永强",
    "成",
    "博",
    "阳",
]
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
PROVINCES = {
    "11": "京",
    "12": "津",
    "13": "冀",
    "14": "晋",
    "15": "内",
    "21": "辽",
    "22": "吉",
    "23": "黑",
    "31": "沪",
    "32": "苏",
    "33": "浙",
    "34": "皖",
    "35": "闽",
    "36": "赣",
    "37": "鲁",
    "41": "豫",
    "42": "鄂",
    "43": "湘",
    "44": "粤",
    "45": "桂",
    "46": "琼",
    "50": "渝",
    "51": "川",
    "52": "贵",
    "53": "云",
    "54": "藏",
    "61": "陕",
    "62": "甘",
    "63": "青",
    "64": "宁",
    "65": "新",
}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ALL_CATEGORIES = (1 << 12) - 1
TRAVEL = 0b1111
TODAY = datetime.date(2026, 11, 20)  # the data set is the same whatever day it is built
NOW = f"{TODAY.isoformat()} 12:00:00+08"

GENERATOR_VERSION = 2  # bump when the data set's shape changes: the runner regenerates an older one

# State mix (shares of cases). No case is left `paid`: the daily job would close it on the next day, and the data
# set is settled (the jobs' due rows are made by the runner, see bench/jobs.py).
STATES = [
    ("listed", 0.48),
    ("listed_grace", 0.02),
    ("restricted", 0.14),
    ("defaulted", 0.12),
    ("judgment", 0.10),
    ("closed", 0.12),
]

BULK_TABLES = [
    "enforcement_party",
    "enforcement_responsibleperson",
    "enforcement_enforcementcase",
    "enforcement_auditentry",
    "listings_listingdecision",
    "listings_restrictionorder",
    "listings_restrictionsubject",
    "listings_temporarylift",
    "listings_feedevent",
]


class Copy:
    """A COPY ... FROM STDIN writer that buffers rows as tab-separated text."""

    def __init__(self, cursor, table: str, columns: list[str]):
        self.cursor, self.table, self.columns = cursor, table, columns
        self.buffer = io.StringIO()
        self.rows = 0

    def write(self, *values) -> None:
        self.buffer.write("\t".join("\\N" if v is None else str(v) for v in values))
        self.buffer.write("\n")
        self.rows += 1
        if self.buffer.tell() > 8 << 20:
            self.flush()

    def flush(self) -> None:
        if self.buffer.tell():
            with self.cursor.copy(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN") as copy:
                copy.write(self.buffer.getvalue())
            self.buffer = io.StringIO()


def log(message: str, started: float) -> None:
    print(f"[{time.monotonic() - started:7.1f}s] {message}", flush=True)


def schema_version() -> str:
    """The migrations the data set was built on: a database built before a new migration is rebuilt."""
    names = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("*/migrations/0*.py"))
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]


def create_database(url_base: str, name: str) -> None:
    with psycopg.connect(f"{url_base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def manage(url: str, *command: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)


def migrate(url: str) -> None:
    manage(url, "migrate", "-v0")


def drop_secondary(conn) -> list[str]:
    """Drop the bulk tables' secondary indexes and foreign keys; return the statements that rebuild them."""
    rebuild = []
    tables = ", ".join(f"'{t}'" for t in BULK_TABLES)
    for name, table, definition in conn.execute(
        f"SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
        f"WHERE conrelid::regclass::text IN ({tables}) AND contype IN ('f', 'u')"
    ).fetchall():
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for name, definition in conn.execute(
        f"SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename IN ({tables}) "
        f"AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype = 'p')"
    ).fetchall():
        conn.execute(f'DROP INDEX IF EXISTS "{name}"')
        rebuild.append(definition)
    # Unique constraints first (they create their own index), then plain indexes, then foreign keys.
    return sorted(rebuild, key=lambda s: (" FOREIGN KEY " in s, not s.startswith("ALTER")))


def courts(cur) -> list[tuple[int, str, str]]:
    """31 high courts, 13 intermediate and ~100 basic courts per province: (id, code, province)."""
    rows, result = (
        Copy(cur, "enforcement_court", ["id", "name", "name_en", "code", "level", "province", "higher_court_id"]),
        [],
    )
    pk = 0
    for province, abbreviation in PROVINCES.items():
        pk += 1
        high = pk
        rows.write(
            pk, f"{abbreviation}高级人民法院", f"{abbreviation} High Court", abbreviation, "high", province, None
        )
        for i in range(1, 14):
            pk += 1
            intermediate = pk
            code = f"{abbreviation}{i:02d}"
            rows.write(
                pk,
                f"{abbreviation}第{i}中级人民法院",
                f"{abbreviation} Intermediate Court {i}",
                code,
                "intermediate",
                province,
                high,
            )
            for j in range(1, 8):
                pk += 1
                basic = f"{abbreviation}{i:02d}{j:02d}"
                rows.write(
                    pk,
                    f"{abbreviation}{i}中院辖区第{j}基层人民法院",
                    f"{abbreviation} Basic Court {i}-{j}",
                    basic,
                    "basic",
                    province,
                    intermediate,
                )
                result.append((pk, basic, province))
    rows.flush()
    return result


def person_id(i: int, rng: random.Random) -> tuple[str, str, datetime.date]:
    """A valid, unique resident ID for the i-th person: (number, sex, birth date)."""
    area = 110101 + (i % 997) * 71 % 540000  # spread over real-looking 6-digit area codes
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=(i // 997) % 18000)
    sex = "M" if rng.random() < 0.55 else "F"
    sequence = ((i // (997 * 18000)) % 500) * 2 + (1 if sex == "M" else 0)
    first17 = f"{area:06d}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17), sex, birth


def uscc(i: int) -> str:
    body, n = [], i
    for _ in range(8):
        body.append(USCC_ALPHABET[n % 31])
        n //= 31
    first17 = f"91{110101 + (i % 97) * 13:06d}{''.join(body)}0"
    return first17 + uscc_check_char(first17)


def _zipf(count: int, exponent: float) -> list[float]:
    weights = [1 / (rank**exponent) for rank in range(1, count + 1)]
    total, running, cumulative = sum(weights), 0.0, []
    for weight in weights:
        running += weight
        cumulative.append(running / total)
    return cumulative


# Surnames as skewed as China's (王, 李, 张 near 7% each); given names skewed too, so that 王伟 is one name in a
# couple of hundred: a search for it hits tens of thousands of rows at ten million cases.
SURNAME_WEIGHTS = _zipf(len(SURNAMES), 0.9)
GIVEN_WEIGHTS = _zipf(len(GIVEN), 0.7)


def person_name(rng: random.Random) -> str:
    return rng.choices(SURNAMES, cum_weights=SURNAME_WEIGHTS)[0] + rng.choices(GIVEN, cum_weights=GIVEN_WEIGHTS)[0]


# The change feed's history, by SQL on the server (a few statements, not a Python loop over millions of rows):
# what the services would have written, in the order the changes happened. `xid` 0 sorts every generated event
# before any written later by a real transaction (see listings.feed).
FEED_SQL = """
INSERT INTO listings_feedevent
    (xid, kind, id_number, categories, court_id, case_number, document_number, effective_on, ends_on, at)
SELECT 0, kind, id_number, categories, court_id, case_number, document_number, effective_on, ends_on, at FROM (
    SELECT 'restriction_ordered' AS kind, p.id_number, o.categories, c.court_id, c.case_number,
           o.order_number AS document_number, o.decided_on AS effective_on, NULL::date AS ends_on,
           (o.decided_on + time '16:00') AT TIME ZONE 'Asia/Shanghai' AS at, o.id AS o_id, s.id AS s_id
      FROM listings_restrictionsubject s JOIN listings_restrictionorder o ON o.id = s.order_id
      JOIN enforcement_party p ON p.id = s.party_id JOIN enforcement_enforcementcase c ON c.id = o.case_id
    UNION ALL
    SELECT 'listing_published', d.debtor_id_number, 0, d.court_id, d.case_number, d.decision_number,
           d.published_at::date, d.expires_on, d.published_at + interval '1 second', d.id, 0
      FROM listings_listingdecision d WHERE d.published_at IS NOT NULL
    UNION ALL
    SELECT 'temporary_lift', p.id_number, t.categories, c.court_id, c.case_number, o.order_number,
           t.starts_on, t.ends_on, t.approved_at, o.id, s.id
      FROM listings_temporarylift t JOIN listings_restrictionorder o ON o.id = t.order_id
      JOIN listings_restrictionsubject s ON s.order_id = o.id JOIN enforcement_party p ON p.id = s.party_id
      JOIN enforcement_enforcementcase c ON c.id = o.case_id
    UNION ALL
    SELECT 'listing_removed', d.debtor_id_number, 0, d.court_id, d.case_number, d.decision_number,
           d.ended_at::date, NULL, d.ended_at, d.id, 0
      FROM listings_listingdecision d WHERE d.status = 'removed'
    UNION ALL
    SELECT 'restriction_lifted', p.id_number, o.categories, c.court_id, c.case_number, o.order_number,
           o.lifted_at::date, NULL, o.lifted_at + interval '1 second', o.id, s.id
      FROM listings_restrictionsubject s JOIN listings_restrictionorder o ON o.id = s.order_id
      JOIN enforcement_party p ON p.id = s.party_id JOIN enforcement_enforcementcase c ON c.id = o.case_id
     WHERE o.status = 'lifted'
) AS history ORDER BY at, o_id, s_id
"""


def feed_events(conn) -> int:
    conn.execute("SET work_mem = '256MB'")
    return conn.execute(FEED_SQL).rowcount


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, required=True)
    parser.add_argument("--database", required=True, help="name of the database to (re)create")
    parser.add_argument("--server", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.monotonic()
    rng = random.Random(args.seed)
    url = f"{args.server}/{args.database}"
    create_database(args.server, args.database)
    migrate(url)
    log("database created and migrated", started)

    with psycopg.connect(url) as conn, conn.cursor() as cur:
        conn.execute("SET synchronous_commit = off")
        rebuild = drop_secondary(conn)
        basic_courts = courts(cur)
        conn.execute(
            "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined) VALUES (1, '!', false, 'bench.clerk', '', '', '', true, true, now()), "
            "(2, '!', false, 'bench.approver', '', '', '', true, true, now())"
        )
        log(f"{len(basic_courts)} basic courts", started)

        party = Copy(
            cur,
            "enforcement_party",
            ["id", "kind", "name", "id_type", "id_number", "sex", "birth_date", "address", "phone", "created_at"],
        )
        link = Copy(cur, "enforcement_responsibleperson", ["id", "organisation_id", "person_id", "role"])
        case = Copy(
            cur,
            "enforcement_enforcementcase",
            [
                "id",
                "case_number",
                "basis_issuer",
                "basis_number",
                "basis_date",
                "obligation",
                "amount_due",
                "currency",
                "amount_paid",
                "filed_on",
                "notice_served_on",
                "notice_payment_days",
                "notice_warns_listing",
                "payment_due_on",
                "security_given",
                "seized_assets_value",
                "subsidiary_liability",
                "internal_notes",
                "state",
                "closed_reason",
                "closed_on",
                "created_at",
                "updated_at",
                "court_id",
                "creditor_id",
                "debtor_id",
            ],
        )
        audit = Copy(
            cur,
            "enforcement_auditentry",
            [
                "id",
                "at",
                "actor_name",
                "action",
                "from_state",
                "to_state",
                "reason",
                "legal_basis",
                "detail",
                "case_id",
                "actor_id",
            ],
        )
        decision = Copy(
            cur,
            "listings_listingdecision",
            [
                "id",
                "proposed_at",
                "facts",
                "decided_on",
                "served_on",
                "rejection_reason",
                "status",
                "grounds",
                "period_years",
                "extension_years",
                "extension_reason",
                "grace_months",
                "decision_number",
                "publish_on",
                "published_at",
                "expires_on",
                "ended_at",
                "end_reason",
                "approved_by_id",
                "case_id",
                "proposed_by_id",
                "debtor_name",
                "debtor_id_number",
                "debtor_kind",
                "case_number",
                "court_id",
                "province",
                "on_creditor_application",
            ],
        )
        order = Copy(
            cur,
            "listings_restrictionorder",
            [
                "id",
                "proposed_at",
                "facts",
                "decided_on",
                "served_on",
                "rejection_reason",
                "status",
                "categories",
                "order_number",
                "lifted_at",
                "lift_reason",
                "lift_note",
                "approved_by_id",
                "case_id",
                "listing_id",
                "proposed_by_id",
            ],
        )
        subject = Copy(cur, "listings_restrictionsubject", ["id", "order_id", "party_id", "role"])
        lift = Copy(
            cur,
            "listings_temporarylift",
            ["id", "order_id", "categories", "starts_on", "ends_on", "reason", "note", "approved_by_id", "approved_at"],
        )

        ids = {"party": 0, "link": 0, "decision": 0, "order": 0, "subject": 0, "lift": 0, "person": 0}
        keys: dict[str, tuple[str, str, str]] = {}  # the last party's search keys (name, number, kind)
        created = f"{TODAY.isoformat()} 09:00:00+08"

        def new_person(name=None):
            ids["party"] += 1
            ids["person"] += 1
            number, sex, birth = person_id(ids["person"], rng)
            name = name or person_name(rng)
            party.write(ids["party"], "person", name, "resident_id", number, sex, birth, "", "", created)
            keys["last"] = (name, number, "person")
            return ids["party"]

        def new_organisation():
            ids["party"] += 1
            org = ids["party"]
            name = f"{rng.choice(BRANDS)}{rng.choice(TRADES)}有限公司{org}"
            party.write(org, "organisation", name, "uscc", uscc(org), "", None, "", "", created)
            org_keys = (name, uscc(org), "organisation")
            officers = []
            for role in ["legal_representative", "actual_controller", "directly_responsible"][
                : rng.choice((1, 1, 2, 3))
            ]:
                person = new_person()
                ids["link"] += 1
                link.write(ids["link"], org, person, role)
                officers.append((person, role))
            keys["last"] = org_keys
            return org, officers

        creditors = [new_organisation()[0] for _ in range(max(50, args.cases // 200))]
        serial: dict[str, int] = {}
        debtor = None
        for pk in range(1, args.cases + 1):
            court_id, court_code, province = basic_courts[rng.randrange(len(basic_courts))]
            state = rng.choices([s for s, _ in STATES], weights=[w for _, w in STATES])[0]
            grounds = 1 << rng.choice([1, 1, 1, 2, 3, 4, 5, 6])
            period = None if grounds == 2 else 2
            # Settled as of TODAY: a case still in `judgment` with a served notice is inside its payment period
            # (filed in the last 11 days), and a listing with a fixed period has not yet expired (decided in
            # the last ~2 years); the rest were filed any time in the last six years.
            if state == "judgment" and rng.random() < 0.5:
                filed = TODAY - datetime.timedelta(days=rng.randrange(0, 12))
                due = filed + datetime.timedelta(days=12)
            else:
                oldest = 700 if state in ("listed", "listed_grace") and period else 6 * 365
                filed = TODAY - datetime.timedelta(days=rng.randrange(12, oldest))
                due = None if state == "judgment" else filed + datetime.timedelta(days=12)
            key = f"{court_code}{filed.year}"
            serial[key] = serial.get(key, 0) + 1
            if debtor is None or rng.random() > 0.2:  # a fifth of debtors have more than one case
                debtor, officers = new_organisation() if rng.random() < 0.25 else (new_person(), [])
                debtor_keys = keys["last"]
            amount = int(rng.lognormvariate(11, 1.4)) + 1000
            served = filed + datetime.timedelta(days=2)
            paid = amount if state == "closed" and rng.random() < 0.5 else 0
            closed_reason = (
                ("paid_in_full" if paid else rng.choice(["no_assets", "creditor_request", "enforcement_terminated"]))
                if state == "closed"
                else ""
            )
            case_state = {"listed_grace": "listed"}.get(state, state)
            case_number = f"（{filed.year}）{court_code}执{serial[key]}号"
            case.write(
                pk,
                case_number,
                "某人民法院",
                f"（{filed.year - 1}）{court_code}民初{pk}号",
                filed - datetime.timedelta(days=90),
                f"被执行人应支付申请执行人{amount}元。",
                f"{amount}.00",
                "CNY",
                f"{paid}.00",
                filed,
                served if due else None,
                10 if due else None,
                "t" if due else "f",
                due,
                "f",
                "0.00",
                "f",
                "",
                case_state,
                closed_reason,
                TODAY if state == "closed" else None,
                created,
                created,
                court_id,
                rng.choice(creditors),
                debtor,
            )
            audit.write(pk, created, "bench.clerk", "open", "", "judgment", "", "", "{}", pk, 1)
            listed = state in ("listed", "listed_grace") or (state == "closed" and rng.random() < 0.3)
            restricted = listed or state == "restricted" or (state == "closed" and rng.random() < 0.2)
            decided = filed + datetime.timedelta(days=30)
            listing_id = None
            if listed:
                ids["decision"] += 1
                listing_id = ids["decision"]
                grace = state == "listed_grace"
                status = "in_force" if case_state == "listed" else "removed"
                published = None if grace else f"{decided.isoformat()} 16:00:00+08"
                decision.write(
                    listing_id,
                    created,
                    "",
                    decided,
                    decided,
                    "",
                    status,
                    grounds,
                    period,
                    0,
                    "",
                    2 if grace else 0,
                    f"（{decided.year}）{court_code}执失{listing_id}号",
                    TODAY + datetime.timedelta(days=20) if grace else decided,
                    published,
                    None if period is None or grace else decided + datetime.timedelta(days=730),
                    None if status == "in_force" else created,
                    "",
                    2,
                    pk,
                    1,
                    *debtor_keys,
                    case_number,
                    court_id,
                    province,
                    True,
                )
            if restricted:
                ids["order"] += 1
                in_force = case_state in ("listed", "restricted")
                order.write(
                    ids["order"],
                    created,
                    "",
                    decided,
                    decided,
                    "",
                    "in_force" if in_force else "lifted",
                    ALL_CATEGORIES,
                    f"（{decided.year}）{court_code}执限{ids['order']}号",
                    None if in_force else created,
                    "" if in_force else "case_closed",
                    "",
                    2,
                    pk,
                    listing_id,
                    1,
                )
                for party_id, role in [(debtor, "debtor"), *officers]:
                    ids["subject"] += 1
                    subject.write(ids["subject"], ids["order"], party_id, role)
                if in_force and rng.random() < 0.003:
                    ids["lift"] += 1
                    lift.write(
                        ids["lift"],
                        ids["order"],
                        TRAVEL,
                        TODAY - datetime.timedelta(days=3),
                        TODAY + datetime.timedelta(days=10),
                        "funeral",
                        "",
                        2,
                        created,
                    )
            if pk % 200_000 == 0:
                log(f"{pk:,} cases", started)
        for writer in (party, link, case, audit, decision, order, subject, lift):
            writer.flush()
        log(f"{case.rows:,} cases copied", started)
        events = feed_events(conn)
        log(f"{events:,} feed events", started)
        for table in [*BULK_TABLES, "enforcement_court", "auth_user"]:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}")
        conn.commit()
        log(
            f"loaded {party.rows:,} parties, {case.rows:,} cases, {decision.rows:,} listings, {order.rows:,} "
            f"orders, {subject.rows:,} bound persons",
            started,
        )
        conn.execute("SET maintenance_work_mem = '1GB'")
        for statement in rebuild:
            conn.execute(statement)
        conn.commit()
        log(f"rebuilt {len(rebuild)} indexes and constraints", started)
    # The carriers' restriction index, from the rows loaded, by the application's own rule.
    manage(url, "restriction_index", "--rebuild")
    log("restriction index built", started)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute(
            "CREATE TABLE bench_dataset (cases integer, seed integer, version integer, schema text, "
            "generated_at timestamptz, seconds real)"
        )
        conn.execute(
            "INSERT INTO bench_dataset VALUES (%s, %s, %s, %s, now(), %s)",
            (args.cases, args.seed, GENERATOR_VERSION, schema_version(), time.monotonic() - started),
        )
    log("analysed; done", started)


if __name__ == "__main__":
    main()
