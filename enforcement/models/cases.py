import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, can_proceed, transition

from enforcement import rules
from enforcement.permissions import Role, requires

from .courts import Court
from .parties import Party


class CaseState(models.TextChoices):
    JUDGMENT = "judgment", _("Judgment")
    DEFAULTED = "defaulted", _("Defaulted")
    RESTRICTED = "restricted", _("Restricted")
    LISTED = "listed", _("Listed")
    PAID = "paid", _("Paid")
    CLOSED = "closed", _("Closed")


OPEN_STATES = (CaseState.JUDGMENT, CaseState.DEFAULTED, CaseState.RESTRICTED, CaseState.LISTED)


class Currency(models.TextChoices):
    CNY = "CNY", _("Renminbi (CNY)")
    HKD = "HKD", _("Hong Kong dollar (HKD)")
    USD = "USD", _("US dollar (USD)")
    EUR = "EUR", _("Euro (EUR)")
    GBP = "GBP", _("Pound sterling (GBP)")
    JPY = "JPY", _("Yen (JPY)")


def condition(message):
    """A transition condition that can say why it is not met."""

    def decorate(func):
        func.message = message
        return func

    return decorate


def local_today() -> datetime.date:
    return timezone.localdate()


@condition(_("No enforcement notice has been served on the debtor yet."))
def notice_served(case) -> bool:
    return case.notice_served_on is not None


@condition(_("The payment period of the enforcement notice has not ended yet."))
def payment_period_over(case) -> bool:
    return case.payment_due_on is not None and case.payment_due_on < local_today()


@condition(_("Nothing is owed: the balance is zero."))
def has_balance(case) -> bool:
    return case.balance > 0


@condition(_("The debtor still owes part of the amount."))
def fully_paid(case) -> bool:
    return case.balance == 0


class EnforcementCaseQuerySet(models.QuerySet):
    """Which cases a rule applies to, set-wise: the sweeps, the admin's filters and the services ask here. The
    same rules for one case are the transitions' conditions above (`notice_served`, `payment_period_over`,
    `has_balance`, `fully_paid`)."""

    def due_for_default(self, today: datetime.date):
        """Notice served, payment period over, a balance left, not yet declared in default."""
        return self.filter(
            state=CaseState.JUDGMENT,
            notice_served_on__isnull=False,
            payment_due_on__lt=today,
            amount_paid__lt=models.F("amount_due"),
        )

    def paid_closing_as(self, reason: str):
        """Paid cases that close for `reason` (see `paid_closing_reason`)."""
        paid = self.filter(state=CaseState.PAID)
        if reason == rules.ClosingReason.PAID_IN_FULL:
            return paid.filter(amount_paid=models.F("amount_due"))
        return paid.filter(amount_paid__lt=models.F("amount_due"))


def paid_closing_reason(case) -> str:
    """A paid case closes as paid in full when nothing is owed, otherwise as settlement performed."""
    return rules.ClosingReason.PAID_IN_FULL if case.balance == 0 else rules.ClosingReason.SETTLEMENT_PERFORMED


class EnforcementCase(ConcurrentTransitionMixin, models.Model):
    """One enforcement case: one creditor, one debtor (joint debtors get a case each)."""

    # (court, state) and (creditor, debtor) indexes below serve these foreign keys too: fewer indexes to keep
    # up to date when the sweeps move thousands of cases.
    court = models.ForeignKey(
        Court, on_delete=models.PROTECT, related_name="cases", verbose_name=_("court"), db_index=False
    )
    case_number = models.CharField(
        _("case number"),
        max_length=40,
        help_text=_("As on the court's documents, e.g. （2024）京0105执1234号."),
    )
    creditor = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="cases_as_creditor", verbose_name=_("creditor"), db_index=False
    )
    debtor = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="cases_as_debtor", verbose_name=_("debtor")
    )
    basis_issuer = models.CharField(
        _("basis document issued by"),
        max_length=200,
        help_text=_("Who made the judgment, award or other document being enforced, e.g. 北京市朝阳区人民法院."),
    )
    basis_number = models.CharField(_("basis document number"), max_length=60)
    basis_date = models.DateField(_("basis document date"))
    obligation = models.TextField(_("obligation"), help_text=_("What the document obliges the debtor to do; public."))
    amount_due = models.DecimalField(_("amount due"), max_digits=16, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    amount_paid = models.DecimalField(
        _("amount paid"),
        max_digits=16,
        decimal_places=2,
        default=Decimal("0.00"),
        editable=False,
        help_text=_("Sum of the recorded payments."),
    )
    filed_on = models.DateField(_("filed on"), help_text=_("The day the court accepted the enforcement application."))

    notice_served_on = models.DateField(_("enforcement notice served on"), null=True, blank=True, editable=False)
    notice_payment_days = models.PositiveSmallIntegerField(
        _("payment period (days)"), null=True, blank=True, editable=False
    )
    notice_warns_listing = models.BooleanField(
        _("notice warns of listing"),
        default=False,
        editable=False,
        help_text=_("The notice warned that non-payment may lead to listing; without it, no listing."),
    )
    payment_due_on = models.DateField(
        _("payment due on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Last day of the payment period; the debtor is in default from the next day."),
    )

    security_given = models.BooleanField(
        _("full security given"),
        default=False,
        help_text=_("The debtor has given security covering the whole debt; bars listing under ground (1)."),
    )
    seized_assets_value = models.DecimalField(
        _("value of seized assets"),
        max_digits=16,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=_("Assets seized, frozen or attached; if they cover the balance, ground (1) cannot be used."),
    )
    subsidiary_liability = models.BooleanField(
        _("liable only after another debtor"),
        default=False,
        help_text=_("The debtor is later in the order of liability (e.g. a general guarantor); bars ground (1)."),
    )
    internal_notes = models.TextField(_("internal notes"), blank=True, help_text=_("Never shown to the public."))

    state = FSMField(_("state"), max_length=16, choices=CaseState.choices, default=CaseState.JUDGMENT, protected=True)
    closed_reason = models.CharField(
        _("closing reason"), max_length=32, choices=rules.ClosingReason.choices, blank=True, editable=False
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True, editable=False)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EnforcementCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("enforcement case")
        verbose_name_plural = _("enforcement cases")
        ordering = ["-filed_on", "-id"]
        constraints = [
            # A constraint rather than unique=True: no extra pattern index that nothing uses.
            models.UniqueConstraint(fields=["case_number"], name="case_number_unique"),
            models.CheckConstraint(condition=models.Q(amount_due__gt=0), name="case_amount_due_positive"),
            models.CheckConstraint(
                condition=models.Q(amount_paid__gte=0, amount_paid__lte=models.F("amount_due")),
                name="case_amount_paid_within_due",
            ),
            models.CheckConstraint(condition=~models.Q(creditor=models.F("debtor")), name="case_parties_differ"),
        ]
        indexes = [
            models.Index(fields=["court", "state"], name="case_court_state_idx"),
            models.Index(fields=["state", "payment_due_on"], name="case_state_due_idx"),
            models.Index(fields=["creditor", "debtor"], name="case_creditor_debtor_idx"),
        ]

    # For refusals (see enforcement.services.transitions.refusal).
    TRANSITION_LABELS = {
        "declare_default": _("declared in default"),
        "restrict": _("restricted"),
        "list_debtor": _("listed"),
        "expire": _("taken off the list at the end of its period"),
        "revoke": _("taken off the list as listed in error"),
        "delist": _("taken off the list because ground (1) no longer holds"),
        "lift": _("released from its restriction"),
        "pay_in_full": _("marked paid in full"),
        "settle": _("marked settled"),
        "remove": _("closed"),
    }
    REFUSED_IN_STATE = _("A case in state %(state)s cannot be %(action)s.")

    def __str__(self) -> str:
        return self.case_number

    @property
    def balance(self) -> Decimal:
        return self.amount_due - self.amount_paid

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_overdue(self) -> bool:
        """Due for default: `declare_default` may be taken now (its source and conditions)."""
        return can_proceed(self.declare_default)

    # --- transitions: thin; the services in enforcement.services (and listings.services) lock, check and audit.

    @transition(
        field=state,
        source=CaseState.JUDGMENT,
        target=CaseState.DEFAULTED,
        conditions=[notice_served, payment_period_over, has_balance],
        permission=requires(Role.CLERK),
    )
    def declare_default(self) -> None:
        """The payment period is over and a balance remains."""

    @transition(
        field=state,
        source=CaseState.DEFAULTED,
        target=CaseState.RESTRICTED,
        permission=requires(Role.APPROVER),
    )
    def restrict(self) -> None:
        """A restriction order has been signed."""

    @transition(
        field=state,
        source=[CaseState.DEFAULTED, CaseState.RESTRICTED],
        target=CaseState.LISTED,
        conditions=[has_balance],
        permission=requires(Role.APPROVER),
    )
    def list_debtor(self) -> None:
        """A listing decision has been signed."""

    @transition(field=state, source=CaseState.LISTED, target=CaseState.RESTRICTED, permission=requires(Role.CLERK))
    def expire(self) -> None:
        """The listing period has ended; the restriction order stays."""

    @transition(
        field=state,
        source=CaseState.LISTED,
        target=CaseState.RESTRICTED,
        permission=requires(Role.APPROVER),
    )
    def delist(self) -> None:
        """Ground (1) no longer holds (security given, seized assets cover the balance ...): a listing on it
        alone ends; the restriction order stays."""

    @transition(
        field=state,
        source=CaseState.LISTED,
        target=RETURN_VALUE(CaseState.RESTRICTED, CaseState.DEFAULTED),
        permission=requires(Role.APPROVER),
    )
    def revoke(self, *, keep_restriction: bool) -> str:
        """The debtor was listed in error; a restriction order issued on its own stays."""
        return CaseState.RESTRICTED if keep_restriction else CaseState.DEFAULTED

    @transition(
        field=state,
        source=CaseState.RESTRICTED,
        target=CaseState.DEFAULTED,
        permission=requires(Role.APPROVER),
    )
    def lift(self) -> None:
        """The restriction order is lifted on security or the creditor's consent."""

    @transition(
        field=state,
        source=OPEN_STATES,
        target=CaseState.PAID,
        conditions=[fully_paid],
        permission=requires(Role.CLERK),
    )
    def pay_in_full(self) -> None:
        """The recorded payments cover the amount due."""

    @transition(field=state, source=OPEN_STATES, target=CaseState.PAID, permission=requires(Role.CLERK))
    def settle(self) -> None:
        """The settlement agreement between creditor and debtor has been performed."""

    # Closing a case whose debtor is listed or restricted ends a listing or an order for a reason other than
    # payment in full or expiry: an approver's act, as a revocation is (DESIGN.md: "the same four eyes").
    @transition(
        field=state,
        source=[CaseState.PAID, CaseState.DEFAULTED],
        target=CaseState.CLOSED,
        permission=requires(Role.CLERK),
    )
    @transition(
        field=state,
        source=[CaseState.RESTRICTED, CaseState.LISTED],
        target=CaseState.CLOSED,
        permission=requires(Role.APPROVER),
    )
    def remove(self, *, closed_reason: str, closed_on: datetime.date) -> None:
        """Close the case: the list entry goes and every restriction is lifted."""
        self.closed_reason = closed_reason
        self.closed_on = closed_on


class Payment(models.Model):
    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer to the court's account")
        COURT_DEDUCTION = "court_deduction", _("Deducted or seized by the court")
        AUCTION = "auction", _("Proceeds of a judicial auction")
        DIRECT = "direct", _("Paid directly to the creditor (confirmed)")
        CASH = "cash", _("Cash at the court")

    case = models.ForeignKey(EnforcementCase, on_delete=models.PROTECT, related_name="payments", verbose_name=_("case"))
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(_("method"), max_length=32, choices=Method.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True, help_text=_("Bank or receipt reference."))
    idempotency_key = models.CharField(
        _("idempotency key"),
        max_length=100,
        unique=True,
        help_text=_("The same key recorded twice is one payment."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_on", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.paid_on})"
