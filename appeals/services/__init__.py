"""Every write of the appeals app: debtors' requests, their decision and reconsideration, clearance certificates,
and the daily deadline flags. Case and listing changes go through those apps' services."""

from appeals.services.certificates import (
    VerifiedCertificate,
    certificate_issue,
    certificate_signature,
    certificate_verify,
    certificate_verify_url,
    is_clearable,
)
from appeals.services.deadlines import requests_flag_deadlines
from appeals.services.decisions import (
    refusal,
    removal_request_ask_reconsideration,
    removal_request_carry_out,
    removal_request_grant,
    removal_request_reconsider,
    removal_request_reject,
    removal_request_serve,
    removal_request_start_review,
    removal_request_withdraw,
)
from appeals.services.filing import Filing, case_for_debtor, normalise_tracking_code, removal_request_file

__all__ = [
    "Filing",
    "VerifiedCertificate",
    "case_for_debtor",
    "certificate_issue",
    "certificate_signature",
    "certificate_verify",
    "certificate_verify_url",
    "is_clearable",
    "normalise_tracking_code",
    "refusal",
    "removal_request_ask_reconsideration",
    "removal_request_carry_out",
    "removal_request_file",
    "removal_request_grant",
    "removal_request_reconsider",
    "removal_request_reject",
    "removal_request_serve",
    "removal_request_start_review",
    "removal_request_withdraw",
    "requests_flag_deadlines",
]
