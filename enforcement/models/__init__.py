from .access import AccessLogEntry
from .audit import AppendOnlyError, AuditEntry
from .cases import OPEN_STATES, CaseState, Currency, EnforcementCase, Payment
from .courts import Court, Province, StaffRole
from .jobs import JobRun
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
    "JobRun",
    "Party",
    "Payment",
    "Province",
    "ResponsiblePerson",
    "StaffRole",
]
