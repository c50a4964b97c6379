"""Keeping the restriction index (`RestrictionIndexEntry`) equal to the orders, bindings and lifts it summarises.

The rule of who is restricted lives in `derived_rows_sql`: a person bound by an order in force (as its debtor or
as a responsible person of a debtor organisation) is restricted in the order's categories, unless a temporary lift
of that order covers the day and the category. The day-dependent part (the lifts) is not in the index: an entry
only says that its order has lifts, and the check then asks them (`listings.checks`); so the index changes only
with the writes below, never with the passing of days.

`restriction_index_refresh(order_ids)` rewrites the entries of those orders from the source rows, set-wise (two
statements for any number of orders), inside the caller's transaction. `feed_orders` calls it: every change that
can alter who an order restricts already announces itself to carriers there (an order coming into force or
lifted, by a person or by a sweep; a person bound; an ID number corrected; a temporary lift granted), so the
index and the feed cannot disagree about which changes happened.
"""

from django.db import connection, transaction

from enforcement.models import Court, EnforcementCase, Party
from listings.models import RestrictionIndexEntry, RestrictionOrder, RestrictionSubject, TemporaryLift

INDEX = RestrictionIndexEntry._meta.db_table
COLUMNS = "id_number, order_id, categories, court_name, case_number, order_number, lifted"


def derived_rows_sql(where: str = "") -> str:
    """The index as the source rows define it: SELECT of (id_number, order_id, categories, lifted), for the
    orders `where` names (a condition on `o`, the order), or for all. The one statement of the rule."""
    condition = f" AND {where}" if where else ""
    return (
        "SELECT DISTINCT p.id_number AS id_number, o.id AS order_id, o.categories AS categories, "  # noqa: S608
        "ct.name AS court_name, c.case_number AS case_number, o.order_number AS order_number, "
        f"EXISTS (SELECT 1 FROM {TemporaryLift._meta.db_table} t WHERE t.order_id = o.id) AS lifted "
        f"FROM {RestrictionSubject._meta.db_table} s "
        f"JOIN {RestrictionOrder._meta.db_table} o ON o.id = s.order_id "
        f"JOIN {Party._meta.db_table} p ON p.id = s.party_id "
        f"JOIN {EnforcementCase._meta.db_table} c ON c.id = o.case_id "
        f"JOIN {Court._meta.db_table} ct ON ct.id = c.court_id "
        f"WHERE o.status = '{RestrictionOrder.Status.IN_FORCE.value}' AND p.id_number <> ''{condition}"
    )


def _orders_sql(order_ids: list[int]) -> tuple[str, list]:
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [list(order_ids)]
    return f"IN ({', '.join(['%s'] * len(order_ids))})", list(order_ids)


def restriction_index_refresh(*, order_ids: list[int]) -> None:
    """Rewrite the index entries of these orders from their current rows (in the caller's transaction)."""
    if not order_ids:
        return
    ids, params = _orders_sql(sorted(set(order_ids)))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two transactions rewriting one order's entries at once (a person's ID number corrected while the
            # order is lifted) would each delete what it saw and insert what it derived: stale rows, or a
            # duplicate key. The order's row lock (the services lock it too) makes them take turns, and each
            # statement after the wait sees what the other committed.
            cursor.execute(
                f"SELECT id FROM {RestrictionOrder._meta.db_table} WHERE id {ids} ORDER BY id FOR UPDATE",  # noqa: S608
                params,
            )
        cursor.execute(f"DELETE FROM {INDEX} WHERE order_id {ids}", params)  # noqa: S608
        cursor.execute(f"INSERT INTO {INDEX} ({COLUMNS}) {derived_rows_sql(f'o.id {ids}')}", params)


def restriction_index_rebuild() -> int:
    """Rewrite the whole index from the source rows (a data set loaded without the services, or a repair after
    drift was reported). One transaction: a check never sees the index half-built. Returns the entries."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Writers wait until it is done; checks go on reading the index as it was until the commit.
            cursor.execute(f"LOCK TABLE {INDEX} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {INDEX}")  # noqa: S608
        cursor.execute(f"INSERT INTO {INDEX} ({COLUMNS}) {derived_rows_sql()}")
        return cursor.rowcount


def drifted_orders_sql() -> str:
    """SELECT of the ids of the orders whose index entries differ from what their rows define, either way (an
    entry missing, stale or with other categories or lift flag)."""
    derived = derived_rows_sql()
    actual = f"SELECT {COLUMNS} FROM {INDEX}"  # noqa: S608
    return (
        f"SELECT d.order_id FROM (SELECT * FROM ({derived} EXCEPT {actual}) AS missing "  # noqa: S608
        f"UNION ALL SELECT * FROM ({actual} EXCEPT {derived}) AS stale) AS d"
    )
