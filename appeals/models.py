"""Debtors' requests to the court (removal, correction, temporary lift), their reconsideration by the higher court,
the evidence they attach, and clearance certificates.

The state machine is thin: sources, targets, pure conditions and who may act. Every change goes through
`appeals.services`, which locks the row, checks, saves, audits and queues the debtor's e-mail in one transaction.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from enforcement import permissions
from enforcement.fields import ChoiceSetField
from enforcement.models import OPEN_STATES, CaseState, Court, EnforcementCase
from enforcement.models.cases import condition
from enforcement.permissions import Role
from enforcement.rules import RestrictionCategory


class RequestKind(models.TextChoices):
    WRONGLY_LISTED = "wrongly_listed", _("I should not have been listed")
    INACCURATE = "inaccurate", _("The data about me is inaccurate")
    PAID = "paid", _("I should have been removed: paid in full")
    SETTLED = "settled", _("I should have been removed: settlement agreement performed")
    CREDITOR_CONSENT = "creditor_consent", _("I should have been removed: the creditor consents")
    SECURITY_GIVEN = "security_given", _("I should have been removed: full security given")
    TEMPORARY_LIFT = "temporary_lift", _("Temporary lift of a travel restriction")


class RequestState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    GRANTED = "granted", _("Granted")
    REJECTED = "rejected", _("Rejected")
    RECONSIDERATION_REQUESTED = "reconsideration_requested", _("Reconsideration requested")
    UPHELD = "upheld", _("Rejection upheld by the higher court")
    OVERTURNED = "overturned", _("Rejection overturned by the higher court")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_REQUEST_STATES = (RequestState.SUBMITTED, RequestState.UNDER_REVIEW, RequestState.RECONSIDERATION_REQUESTED)
PENDING_REVIEW = (RequestState.SUBMITTED, RequestState.UNDER_REVIEW)
#: The states in which the higher court's reviewers see a request (`appeals.selectors.requests_visible_to`).
RECONSIDERATION_STATES = (RequestState.RECONSIDERATION_REQUESTED, RequestState.UPHELD, RequestState.OVERTURNED)

# The case states in which a request of each kind can be carried out (see `appeals.services.effects`); a request
# that could not be is refused when filed. A closed case takes no request: its listing and restrictions are gone.
KIND_CASE_STATES = {
    RequestKind.WRONGLY_LISTED: (CaseState.LISTED,),
    RequestKind.INACCURATE: OPEN_STATES,  # corrections are made on open cases only
    RequestKind.PAID: (*OPEN_STATES, CaseState.PAID),
    RequestKind.SETTLED: (*OPEN_STATES, CaseState.PAID),
    # The creditor's request closes a case from default onwards, never a paid one (that closes as paid).
    RequestKind.CREDITOR_CONSENT: (CaseState.DEFAULTED, CaseState.RESTRICTED, CaseState.LISTED),
    RequestKind.SECURITY_GIVEN: (CaseState.RESTRICTED, CaseState.LISTED),
    RequestKind.TEMPORARY_LIFT: (CaseState.RESTRICTED, CaseState.LISTED),
}

# Who decides a request of each kind at the first instance: the role whose services carry out its effect.
# Closing and correcting a case are a clerk's acts; revoking a listing, lifting an order and a temporary lift are
# an approver's (DESIGN.md: "approved by an approver").
DECIDING_ROLE = {
    RequestKind.WRONGLY_LISTED: Role.APPROVER,
    RequestKind.INACCURATE: Role.CLERK,
    RequestKind.PAID: Role.CLERK,
    RequestKind.SETTLED: Role.CLERK,
    # Closing a listed or restricted case at the creditor's request ends a listing or an order for a reason other
    # than payment: an approver's act (DESIGN.md, four eyes), as the case's `remove` transition says.
    RequestKind.CREDITOR_CONSENT: Role.APPROVER,
    RequestKind.SECURITY_GIVEN: Role.APPROVER,
    RequestKind.TEMPORARY_LIFT: Role.APPROVER,
}


class TemporaryLiftReason(models.TextChoices):
    # The same codes as listings.models.TemporaryLift.Reason, which the grant passes on.
    ILLNESS = "illness", _("Serious illness (own or close relative's)")
    FUNERAL = "funeral", _("Funeral of a close relative")
    OFFICIAL_DUTY = "official_duty", _("Official duty")
    EXAM = "exam", _("Examination")


def may_decide(request, user) -> bool:
    return permissions.has_role(user, request.court_id, DECIDING_ROLE[RequestKind(request.kind)])


may_decide.explain = lambda request, user: (
    _("This kind of request is decided by a member of %(court)s with the role: %(role)s.")
    % {"role": DECIDING_ROLE[RequestKind(request.kind)].label, "court": request.court}
)


def may_review(request, user) -> bool:
    return permissions.has_role(user, request.court_id, Role.CLERK, Role.APPROVER)


may_review.explain = lambda request, user: (
    _("You do not have a role in %(court)s that allows this.") % {"court": request.court}
)


def higher_court_reviewer(request, user) -> bool:
    """Only a reviewer of the higher court decides a reconsideration (a superuser too, as everywhere)."""
    if permissions.is_superuser(user):
        return True
    return request.higher_court_id is not None and permissions.has_role(user, request.higher_court_id, Role.REVIEWER)


higher_court_reviewer.explain = lambda request, user: _(
    "Only a reviewer of the higher court decides a reconsideration."
)


@condition(_("The rejection has not been served on you yet: the 10-day window opens when it is."))
def rejection_served(request) -> bool:
    return request.rejection_served_on is not None


@condition(_("The 10-day window to ask for reconsideration has closed."))
def window_open(request) -> bool:
    return request.window_closes_on is None or timezone.localdate() <= request.window_closes_on


@condition(_("This court has no higher court to ask for reconsideration."))
def has_higher_court(request) -> bool:
    return request.higher_court_id is not None


class RemovalRequest(ConcurrentTransitionMixin, models.Model):
    """A debtor's request to the enforcing court: take me off the list, correct my data, lift my restriction
    (for good or for a few days). Identified by case number + full ID number when filed; followed by tracking code.
    """

    tracking_code = models.CharField(_("tracking code"), max_length=20, unique=True, editable=False)
    submission_key = models.CharField(
        _("submission key"),
        max_length=64,
        editable=False,
        help_text=_(
            "A hash of the case, ID number, kind and statement: the same submission sent twice while the first "
            "is open is one request. Once that one is withdrawn or decided, it may be filed again."
        ),
    )
    withdrawal_code_hash = models.CharField(
        _("withdrawal code (hashed)"),
        max_length=128,
        blank=True,
        editable=False,
        help_text=_(
            "Only the person who filed the request received the withdrawal code (once, on the receipt and in the "
            "receipt e-mail); only that code withdraws it. The code itself is never stored."
        ),
    )
    case = models.ForeignKey(
        EnforcementCase, on_delete=models.PROTECT, related_name="removal_requests", verbose_name=_("case")
    )
    court = models.ForeignKey(
        Court,
        on_delete=models.PROTECT,
        related_name="removal_requests",
        verbose_name=_("court"),
        help_text=_("The enforcing court, which reviews the request."),
    )
    higher_court = models.ForeignKey(
        Court,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reconsiderations",
        verbose_name=_("higher court"),
        help_text=_("The court that decides a reconsideration, as it was when the request was filed."),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=RequestKind.choices)
    state = FSMField(
        _("state"), max_length=32, choices=RequestState.choices, default=RequestState.SUBMITTED, protected=True
    )
    statement = models.TextField(_("statement"), help_text=_("The debtor's own words: what is wrong and why."))
    contact_email = models.EmailField(_("contact e-mail"), blank=True, help_text=_("Never shown to the public."))
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"), max_length=10, default="zh-hans", help_text=_("The debtor is written to in this language.")
    )

    lift_reason = models.CharField(
        _("reason for the temporary lift"), max_length=16, choices=TemporaryLiftReason.choices, blank=True
    )
    lift_categories = ChoiceSetField(
        verbose_name=_("travel categories to lift"), choices_class=RestrictionCategory, blank=True
    )
    lift_starts_on = models.DateField(_("lift from"), null=True, blank=True)
    lift_ends_on = models.DateField(_("lift until (inclusive)"), null=True, blank=True)

    filed_at = models.DateTimeField(_("filed at"), default=timezone.now, editable=False)
    due_on = models.DateField(
        _("deadline"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("What the court must do next, by this day: review, carry out, or decide the reconsideration."),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_reasons = models.TextField(_("reasons for the decision"), blank=True)
    rejection_served_on = models.DateField(
        _("rejection served on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "The day the rejection reached the filer: the day its e-mail was sent, or, without an e-mail, the day "
            "the filer first opened the tracking page showing it. The reconsideration window runs from here."
        ),
    )
    window_closes_on = models.DateField(
        _("reconsideration window closes on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Last day the debtor may ask the higher court to reconsider a rejection (10 days of service)."),
    )
    reconsideration_statement = models.TextField(_("reconsideration statement"), blank=True)
    reconsideration_requested_at = models.DateTimeField(
        _("reconsideration requested at"), null=True, blank=True, editable=False
    )
    reconsidered_at = models.DateTimeField(_("reconsidered at"), null=True, blank=True, editable=False)
    reconsidered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reconsidered by"),
    )
    reconsideration_reasons = models.TextField(_("reasons of the higher court"), blank=True)
    effect_done_at = models.DateTimeField(
        _("carried out at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the removal, correction or lift was carried out on the case."),
    )
    effect_summary = models.TextField(_("what was done"), blank=True, editable=False)
    deadline_flag = models.CharField(
        _("deadline flag"),
        max_length=24,
        blank=True,
        editable=False,
        help_text=_(
            "Set by the daily job when the staff were told: 'near:<deadline>' (2 working days or less left) or "
            "'overdue:<deadline>'."
        ),
    )

    class Meta:
        verbose_name = _("removal or correction request")
        verbose_name_plural = _("removal and correction requests")
        ordering = ["-filed_at", "-id"]
        indexes = [
            models.Index(fields=["court", "state", "due_on"], name="request_court_state_due_idx"),
            models.Index(fields=["due_on"], name="request_due_idx", condition=models.Q(due_on__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(contact_email="", contact_phone=""), name="request_has_contact"),
            # Unique among open requests only: a withdrawn or decided request does not bar filing it again.
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=models.Q(state__in=[state.value for state in OPEN_REQUEST_STATES]),
                name="request_one_open_per_submission",
            ),
        ]

    TRANSITION_LABELS = {
        "start_review": _("taken up for review"),
        "grant": _("granted"),
        "reject": _("rejected"),
        "withdraw": _("withdrawn"),
        "request_reconsideration": _("sent for reconsideration"),
        "uphold": _("upheld"),
        "overturn": _("overturned"),
    }
    REFUSED_IN_STATE = _("A request that is %(state)s cannot be %(action)s.")

    def __str__(self) -> str:
        return f"{self.tracking_code} ({self.get_kind_display()})"

    @property
    def is_overdue(self) -> bool:
        return self.due_on is not None and self.due_on < timezone.localdate()

    @property
    def reconsideration_open(self) -> bool:
        return (
            self.state == RequestState.REJECTED
            and has_higher_court(self)
            and rejection_served(self)
            and window_open(self)
        )

    # --- transitions: thin; appeals.services locks, checks, audits and tells the debtor.

    @transition(field=state, source=RequestState.SUBMITTED, target=RequestState.UNDER_REVIEW, permission=may_review)
    def start_review(self) -> None:
        """A member of the court's staff takes the request up."""

    @transition(field=state, source=PENDING_REVIEW, target=RequestState.GRANTED, permission=may_decide)
    def grant(self, *, by, at: datetime.datetime, reasons: str) -> None:
        self.decided_by, self.decided_at, self.decision_reasons = by, at, reasons

    @transition(field=state, source=PENDING_REVIEW, target=RequestState.REJECTED, permission=may_decide)
    def reject(self, *, by, at: datetime.datetime, reasons: str) -> None:
        """The reconsideration window opens when the rejection is served (`removal_request_serve`)."""
        self.decided_by, self.decided_at, self.decision_reasons = by, at, reasons
        self.window_closes_on = None

    @transition(field=state, source=PENDING_REVIEW, target=RequestState.WITHDRAWN)
    def withdraw(self) -> None:
        """The debtor withdraws the request."""

    @transition(
        field=state,
        source=RequestState.REJECTED,
        target=RequestState.RECONSIDERATION_REQUESTED,
        conditions=[has_higher_court, rejection_served, window_open],
    )
    def request_reconsideration(self, *, at: datetime.datetime, statement: str) -> None:
        self.reconsideration_requested_at, self.reconsideration_statement = at, statement

    @transition(
        field=state,
        source=RequestState.RECONSIDERATION_REQUESTED,
        target=RequestState.UPHELD,
        permission=higher_court_reviewer,
    )
    def uphold(self, *, by, at: datetime.datetime, reasons: str) -> None:
        self.reconsidered_by, self.reconsidered_at, self.reconsideration_reasons = by, at, reasons

    @transition(
        field=state,
        source=RequestState.RECONSIDERATION_REQUESTED,
        target=RequestState.OVERTURNED,
        permission=higher_court_reviewer,
    )
    def overturn(self, *, by, at: datetime.datetime, reasons: str) -> None:
        self.reconsidered_by, self.reconsidered_at, self.reconsideration_reasons = by, at, reasons


class EvidenceFile(models.Model):
    """A file the debtor attached. Stored outside MEDIA_ROOT and static files (settings.EVIDENCE_ROOT), under a
    random name; only the court's staff download it, through the admin, and each download is logged."""

    request = models.ForeignKey(
        RemovalRequest, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("request")
    )
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    stored_name = models.CharField(_("stored as"), max_length=100, unique=True, editable=False)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class ClearanceCertificate(models.Model):
    """A certificate that the case was closed as paid in full or as settlement performed; anyone can verify it
    on the public verification page by its number, the debtor's name and masked ID number, and its signature."""

    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    case = models.OneToOneField(
        EnforcementCase, on_delete=models.PROTECT, related_name="clearance_certificate", verbose_name=_("case")
    )
    closed_reason = models.CharField(_("closing reason"), max_length=32)
    closed_on = models.DateField(_("closed on"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    signature = models.CharField(_("signature"), max_length=64)

    class Meta:
        verbose_name = _("clearance certificate")
        verbose_name_plural = _("clearance certificates")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.number
