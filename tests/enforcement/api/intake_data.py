"""Files of judgments for the intake tests and its measurement (valid by construction, seeded)."""

import csv
import datetime
import io
import json
import random

from enforcement.demo_identities import resident_id, uscc
from enforcement.services.intake import OPTIONAL, REQUIRED


def judgment_rows(court_code: str, n: int, *, seed: int = 7, start: int = 1) -> list[dict]:
    rng = random.Random(seed)  # noqa: S311 - test data
    today = datetime.date.today()  # noqa: DTZ011 - a calendar date
    creditors = [uscc(rng) for _ in range(max(1, n // 50))]
    rows = []
    for i in range(start, start + n):
        birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 40))
        rows.append(
            {
                "case_number": f"（2026）{court_code}执{i}号",
                "filed_on": (today - datetime.timedelta(days=30)).isoformat(),
                "basis_issuer": "北京市东城区人民法院",
                "basis_number": f"（2025）京0101民初{i}号",
                "basis_date": (today - datetime.timedelta(days=120)).isoformat(),
                "obligation": "支付货款及利息",
                "amount_due": f"{rng.randrange(1000, 10_000_000) / 100:.2f}",
                "currency": "CNY",
                "creditor_kind": "organisation",
                "creditor_name": f"债权公司{i % 97}",
                "creditor_id_number": rng.choice(creditors),
                "debtor_kind": "person",
                "debtor_name": f"被执行人{i}",
                "debtor_id_number": resident_id(rng, birth_date=birth, sex=rng.choice("MF")),
            }
        )
    return rows


def as_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*REQUIRED, *OPTIONAL], extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def as_jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
