"""Reading the change feed (`GET /api/v1/changes/`): every event once, in commit order, from a cursor.

Ids are handed out when a row is inserted, not when its transaction commits, so "events after id N" would skip
an event whose transaction took id N-1 but committed after a reader had passed N. On PostgreSQL each event keeps
the id of its transaction (xid), and the feed serves only events whose xid is below the oldest transaction still
running (the snapshot's xmin, less transactions of other databases: see BOUND_SQL), ordered by (xid, id): every
event that could still appear sorts after those served, so the cursor (the last (xid, id) served) never passes
one. A long transaction in this database holds the feed back until it ends. On SQLite writers are serialised,
every xid is 0, and the order is the id's.

The feed is read on the primary, never a replica (config.replicas): pages served by databases at different replay
positions would meet a cursor the one behind has not reached, which `was_given` refuses as made up.
"""

import base64
import binascii
import datetime
import functools
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from enforcement.models import Court
from listings.models import FeedEvent

MAX_LIMIT = 1000

# The oldest transaction still running that could write to this database: the snapshot's in-progress xids,
# less those pg_stat_activity places in another database of the cluster (xids are cluster-wide: a long load in
# another database must not stall this feed). A transaction not found there (it just ended, or the statistics
# are not visible to this role) counts as ours, which only ever holds events back, never skips them. With no
# transaction running, everything below the snapshot's xmax is settled.
BOUND_SQL = (
    "SELECT COALESCE("
    "(SELECT min(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS x WHERE xid(x) NOT IN "
    "(SELECT backend_xid FROM pg_stat_activity "
    "WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database())), "
    "pg_snapshot_xmax(pg_current_snapshot())::text::bigint)"
)
START = (-1, 0)


def encode_cursor(position: tuple[int, int]) -> str:
    return base64.urlsafe_b64encode(f"{position[0]}:{position[1]}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int]:
    """The (xid, id) a cursor stands for; ValueError if it is not one the feed gave. Empty: the beginning."""
    if not cursor:
        return START
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        xid, event_id = (int(part) for part in text.split(":"))
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise ValueError("bad cursor") from exc
    if not (-1 <= xid < 2**63 and 0 <= event_id < 2**63) or encode_cursor((xid, event_id)) != cursor:
        raise ValueError("bad cursor")
    return xid, event_id


def was_given(position: tuple[int, int]) -> bool:
    """Could the feed have given this position? Every cursor it gives is the beginning or the position of an
    event it served (events are never deleted), so a well-formed cursor naming no event was made up: reading
    from it could skip events. One primary-key lookup."""
    return position == START or FeedEvent.objects.filter(pk=position[1], xid=position[0]).exists()


@dataclass
class FeedPage:
    events: list[dict]
    next_cursor: str
    has_more: bool


COLUMNS = "e.xid, e.id, e.kind, e.id_number, e.categories, ct.name, ct.code, e.case_number, e.document_number, "
COLUMNS += "e.effective_on, e.ends_on, e.at"


@functools.lru_cache(maxsize=4096)
def category_values(bits: int) -> tuple[str, ...]:
    """The sorted category codes a set of bits stands for (4,096 possible sets: each decoded once per process)."""
    return tuple(sorted(c.value for c in FeedEvent._meta.get_field("categories").from_bits(bits)))


def _iso(moment: datetime.datetime) -> str:
    """A time as DRF's JSON encoder writes it (ISO 8601, `Z` for UTC)."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def read(*, after: tuple[int, int] = START, limit: int = MAX_LIMIT, categories=None) -> FeedPage:
    """Up to `limit` events after the cursor position, and the cursor to read on from.

    `categories` (a set of RestrictionCategory, e.g. a carrier key's): only restriction events that touch one of
    them, and every listing event (publication on the public list is public). None: every event.

    A page is a thousand rows: they are read as tuples and turned into dicts directly (no model instances, the
    category sets decoded from a cache), which makes the page cost about what its query costs."""
    visible = f"AND e.xid < ({BOUND_SQL})" if connection.vendor == "postgresql" else ""
    params = [after[0], after[1]]
    scoped, mask = "", None
    if categories is not None:
        mask = FeedEvent._meta.get_field("categories").to_bits(categories)
        scoped = "AND (e.categories = 0 OR (e.categories & %s) <> 0)"
        params.append(mask)
    sql = (
        f"SELECT {COLUMNS} "  # noqa: S608 - fixed table names only
        f"FROM {FeedEvent._meta.db_table} e JOIN {Court._meta.db_table} ct ON ct.id = e.court_id "
        f"WHERE (e.xid, e.id) > (%s, %s) {visible} {scoped} ORDER BY e.xid, e.id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit + 1])
        rows = cursor.fetchall()
    has_more = len(rows) > limit
    rows = rows[:limit]
    convert = connection.ops.convert_datetimefield_value if connection.vendor == "sqlite" else None
    local = timezone.get_current_timezone()
    events = []
    for _xid, _id, kind, id_number, bits, court, court_code, case_number, document, effective, ends, at in rows:
        if convert is not None:  # SQLite hands back text
            at = convert(at, None, connection)
            effective = datetime.date.fromisoformat(effective) if isinstance(effective, str) else effective
            ends = datetime.date.fromisoformat(ends) if isinstance(ends, str) else ends
        events.append(
            {
                "event": kind,
                "id_number": id_number,
                "categories": list(category_values(bits if mask is None else bits & mask)),
                "court": court,
                "court_code": court_code,
                "case_number": case_number,
                "document_number": document,
                # Written out here, as the JSON renderer would write them: a page of 1,000 events would
                # otherwise call the encoder's Python fallback 3,000 times.
                "effective_on": effective.isoformat(),
                "ends_on": None if ends is None else ends.isoformat(),
                "recorded_at": _iso(at.astimezone(local)),
            }
        )
    # Events outside the key's categories are passed over, not held back: the cursor moves past them too.
    last = (rows[-1][0], rows[-1][1]) if rows else after
    return FeedPage(events=events, next_cursor=encode_cursor(last), has_more=has_more)
