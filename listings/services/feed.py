"""Writing the change feed: events go in with the change, in the same transaction, set-wise.

`feed_orders` also brings the restriction index up to date for the orders it announces (the same transaction:
see `listings.services.restriction_index`): every change to whom an order restricts is announced here.

Each writer is one INSERT ... SELECT for any number of rows (a sweep's batch costs one statement, never one per
row). On PostgreSQL each event records the id of its transaction (`pg_current_xact_id()`), which lets the feed
serve events in an order no late commit can break (see `listings.feed`).
"""

import datetime

from django.db import connection
from django.utils import timezone

from enforcement.models import EnforcementCase, Party
from listings.models import FeedEvent, ListingDecision, RestrictionOrder, RestrictionSubject
from listings.services.restriction_index import restriction_index_refresh

COLUMNS = (
    "xid",
    "kind",
    "id_number",
    "categories",
    "court_id",
    "case_number",
    "document_number",
    "effective_on",
    "ends_on",
    "at",
)


def _xid_sql() -> str:
    # xid8 has no cast to bigint; through text it fits (a 64-bit epoch-extended transaction id).
    return "pg_current_xact_id()::text::bigint" if connection.vendor == "postgresql" else "0"


def _ids_sql(column: str, ids: list[int]) -> tuple[str, list]:
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _insert(select_sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {FeedEvent._meta.db_table} ({', '.join(COLUMNS)}) {select_sql}", params)
        return cursor.rowcount


def _adapt(value):
    ops = connection.ops
    if isinstance(value, datetime.datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return ops.adapt_datefield_value(value)
    return value


def feed_orders(
    *,
    kind: str,
    order_ids: list[int],
    now: datetime.datetime | None = None,
    effective_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    categories=None,
    party_id: int | None = None,
    id_number: str | None = None,
) -> int:
    """One event per person bound by each order (the debtor and an organisation's responsible persons), with
    the order's categories (or `categories`, e.g. those of a temporary lift). Returns the events written.

    `party_id` limits the events to that bound person; `id_number` states the number to announce instead of the
    stored one (a corrected ID number: the carrier's mirror must drop the old number).

    The orders' entries in the restriction index are rewritten first, from the same rows."""
    if not order_ids:
        return 0
    restriction_index_refresh(order_ids=order_ids)
    now = now or timezone.now()
    effective_on = effective_on or timezone.localdate(now)
    where, ids = _ids_sql("s.order_id", order_ids)
    if party_id is not None:
        where += " AND s.party_id = %s"
        ids.append(party_id)
    if categories is None:
        category_sql, category_params = "o.categories", []
    else:
        category_sql, category_params = "%s", [FeedEvent._meta.get_field("categories").get_prep_value(categories)]
    number_sql, number_params = ("p.id_number", []) if id_number is None else ("%s", [id_number])
    sql = (
        f"SELECT {_xid_sql()}, %s, {number_sql}, {category_sql}, c.court_id, c.case_number, o.order_number, %s, %s, %s "  # noqa: S608
        f"FROM {RestrictionSubject._meta.db_table} s "
        f"JOIN {Party._meta.db_table} p ON p.id = s.party_id "
        f"JOIN {RestrictionOrder._meta.db_table} o ON o.id = s.order_id "
        f"JOIN {EnforcementCase._meta.db_table} c ON c.id = o.case_id "
        f"WHERE {where} ORDER BY s.order_id, s.id"
    )
    params = [kind, *number_params, *category_params, _adapt(effective_on), _adapt(ends_on), _adapt(now), *ids]
    return _insert(sql, params)


def feed_listings(
    *,
    kind: str,
    decision_ids: list[int],
    now: datetime.datetime | None = None,
    effective_on=None,
    id_number: str | None = None,
) -> int:
    """One event per listing decision, about its debtor; a publication carries the last day on the list.
    `id_number` states the number to announce instead of the stored one (see `feed_orders`)."""
    if not decision_ids:
        return 0
    now = now or timezone.now()
    effective_on = effective_on or timezone.localdate(now)
    where, ids = _ids_sql("d.id", decision_ids)
    ends_on = "d.expires_on" if kind == FeedEvent.Kind.LISTING_PUBLISHED else "NULL"
    number_sql, number_params = ("d.debtor_id_number", []) if id_number is None else ("%s", [id_number])
    # The decision carries its debtor's ID number, court and case number (its search keys, kept in step when a
    # party is corrected), so a sweep's batch reads one table.
    sql = (
        f"SELECT {_xid_sql()}, %s, {number_sql}, 0, d.court_id, d.case_number, d.decision_number, %s, "  # noqa: S608
        f"{ends_on}, %s FROM {ListingDecision._meta.db_table} d WHERE {where} ORDER BY d.id"
    )
    return _insert(sql, [kind, *number_params, _adapt(effective_on), _adapt(now), *ids])
