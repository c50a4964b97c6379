"""Valid identity numbers for demo data, factories and the benchmark generator (never for real parties)."""

import datetime
import random

from enforcement.identity import USCC_ALPHABET, resident_id_check_char, uscc_check_char

# Real county-level division codes (GB/T 2260), so generated numbers look like real ones.
AREA_CODES = (
    "110101",
    "110105",
    "110108",
    "120101",
    "310101",
    "310115",
    "320102",
    "330106",
    "340102",
    "350203",
    "370102",
    "410105",
    "420106",
    "430104",
    "440106",
    "440304",
    "500103",
    "510107",
    "610113",
    "210102",
)
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def resident_id(rng: random.Random, *, birth_date: datetime.date, sex: str, area: str | None = None) -> str:
    area = area or rng.choice(AREA_CODES)
    sequence = rng.randrange(0, 100) * 10 + rng.choice((1, 3, 5, 7, 9) if sex == "M" else (0, 2, 4, 6, 8))
    first17 = f"{area}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def organisation_code(rng: random.Random) -> str:
    """A GB 11714 organisation code (8 characters and its check character), as embedded in a USCC."""
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    total = sum(ORG_CODE_ALPHABET.index(c) * w for c, w in zip(body, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def uscc(rng: random.Random, *, area: str | None = None) -> str:
    # 9 = registered by the market regulator, 1 = enterprise.
    first17 = f"91{area or rng.choice(AREA_CODES)}{organisation_code(rng)}"
    assert all(c in USCC_ALPHABET for c in first17)  # noqa: S101 - a generator invariant
    return first17 + uscc_check_char(first17)
