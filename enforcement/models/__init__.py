from .access import AccessLogEntry
from .api import IdempotencyKey
from .audit import AppendOnlyError, AuditEntry
from .cases import OPEN_STATES, CaseState, Currency, EnforcementCase, Payment, paid_closing_reason
from .courts import Court, Province, StaffRole
from .intake import IntakeBatch, IntakeRecord
from .jobs import JobRun
from .outbox import OutboxMessage
from .parties import Party, ResponsiblePerson

__all__ = [
    "OPEN_STATES",
    "AccessLogEntry",
    "AppendOnlyError",
    "AuditEntry",
    "CaseState",
    "Court",
    "Currency",
    "EnforcementCase",
    "IdempotencyKey",
    "IntakeBatch",
    "IntakeRecord",
    "JobRun",
    "OutboxMessage",
    "Party",
    "Payment",
    "Province",
    "ResponsiblePerson",
    "StaffRole",
    "paid_closing_reason",
]
