"""The court's decisions that sanction a debtor: restriction orders and listing decisions.

Each is proposed by a clerk and signed by an approver of the same court who is not the proposer (four eyes);
the signature moves the case (`restrict`, `list_debtor`). The services in `listings.services` do every write.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from enforcement.fields import ChoiceSetField
from enforcement.models import EnforcementCase, Party, ResponsiblePerson
from enforcement.models.cases import condition, local_today
from enforcement.permissions import Role, requires, requires_other_approver
from enforcement.rules import Ground, LiftReason, RestrictionCategory


class DecisionRecord(ConcurrentTransitionMixin, models.Model):
    """What a listing decision and a restriction order have in common: who proposed, who signed, when served."""

    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
        db_index=False,  # staff are deactivated, never deleted
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    facts = models.TextField(
        _("statement of facts"),
        blank=True,
        help_text=_("Why the court decides this; internal, never public."),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed by"),
        help_text=_("An approver of the same court who did not propose it."),
        db_index=False,
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    served_on = models.DateField(_("served on"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for refusal"), blank=True)

    class Meta:
        abstract = True

    @property
    def court_id(self) -> int:
        return self.case.court_id


@condition(_("The listing period has not ended yet (a listing on ground (1) alone runs until performance)."))
def period_over(decision) -> bool:
    return decision.expires_on is not None and decision.expires_on < local_today()


class ListingDecisionQuerySet(models.QuerySet):
    """When a listing is due for publication or expiry: one queryset method each, for the sweeps, the services,
    the buttons and the admin's filters alike (`period_over` is the same rule for one row, as a condition)."""

    def due_for_publication(self, today):
        """Signed, its grace period over, not yet published, on a case still listed."""
        return self.filter(status="in_force", published_at__isnull=True, publish_on__lte=today, case__state="listed")

    def due_for_expiry(self, today):
        """In force, its last day (`expires_on`) before today."""
        return self.filter(status="in_force", expires_on__lt=today)


@condition(_("A listed debtor must stay restricted: end or revoke the listing first."))
def debtor_not_listed(order) -> bool:
    return order.case.state != "listed"


#: Rows the public may see (the case must also still be `listed`: see `listings.selectors`).
PUBLIC = models.Q(status="in_force", published_at__isnull=False)


class ListingDecision(DecisionRecord):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        REJECTED = "rejected", _("Refused by the approver")
        LAPSED = "lapsed", _("Lapsed (the case ended first)")
        IN_FORCE = "in_force", _("In force")
        EXPIRED = "expired", _("Expired")
        REMOVED = "removed", _("Removed")
        REVOKED = "revoked", _("Revoked (listed in error)")

    case = models.ForeignKey(
        EnforcementCase, on_delete=models.PROTECT, related_name="listing_decisions", verbose_name=_("case")
    )
    status = FSMField(_("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED, protected=True)
    grounds = ChoiceSetField(verbose_name=_("grounds"), choices_class=Ground)
    period_years = models.PositiveSmallIntegerField(
        _("period (years)"),
        null=True,
        blank=True,
        help_text=_("Empty: until performance (ground (1) alone). Otherwise the base period plus any extension."),
    )
    extension_years = models.PositiveSmallIntegerField(
        _("extension (years)"),
        default=0,
        help_text=_("1 to 3 years more for serious violence or repeated acts; only with grounds (2)-(6)."),
    )
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    grace_months = models.PositiveSmallIntegerField(
        _("grace period (months)"),
        default=0,
        help_text=_("0 to 3 months between the decision and publication; payment meanwhile means no publication."),
    )
    on_creditor_application = models.BooleanField(
        _("on the creditor's application"),
        default=True,
        help_text=_(
            "Listed on the creditor's application (most cases) or, if not ticked, on the court's own motion. A "
            "creditor who had the debtor removed may not apply again for 6 months; the court's own motion is "
            "not barred."
        ),
    )
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)
    publish_on = models.DateField(_("to be published on"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    expires_on = models.DateField(
        _("expires on"), null=True, blank=True, help_text=_("Last day on the list; empty until performance.")
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True, db_index=True)
    end_reason = models.TextField(_("why it ended"), blank=True)

    # Search keys, copied from the case and its debtor (kept in step when a party is corrected), so that a
    # public search reads one partial index over the public rows instead of joining millions of parties.
    debtor_name = models.CharField(_("debtor's name"), max_length=200, editable=False, default="")
    debtor_id_number = models.CharField(_("debtor's ID number"), max_length=32, editable=False, default="")
    debtor_kind = models.CharField(_("debtor's kind"), max_length=16, editable=False, default="")
    case_number = models.CharField(_("case number"), max_length=40, editable=False, default="")
    court = models.ForeignKey(
        "enforcement.Court", on_delete=models.PROTECT, null=True, editable=False, related_name="+", db_index=False
    )
    province = models.CharField(_("province"), max_length=2, editable=False, default="")

    objects = ListingDecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("listing decision")
        verbose_name_plural = _("listing decisions")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status__in=["proposed", "in_force"]),
                name="listing_one_active_per_case",
            ),
            models.CheckConstraint(condition=models.Q(grace_months__lte=12), name="listing_grace_bounded"),
            # The number carries the court's code: unique per court and kind (services.common.document_number).
            models.UniqueConstraint(
                fields=["decision_number"], condition=~models.Q(decision_number=""), name="listing_number_unique"
            ),
        ]
        indexes = [
            # The sweeps' driving indexes: only the rows they can act on.
            models.Index(
                fields=["publish_on"],
                condition=models.Q(status="in_force", published_at__isnull=True),
                name="listing_publish_due_idx",
            ),
            models.Index(fields=["expires_on"], condition=models.Q(status="in_force"), name="listing_expiry_idx"),
            # The public search: newest first among the public rows with this name / ID number / case number.
            models.Index(fields=["debtor_name", "-id"], condition=PUBLIC, name="listing_public_name_idx"),
            models.Index(fields=["debtor_id_number", "-id"], condition=PUBLIC, name="listing_public_idnumber_idx"),
            models.Index(fields=["case_number", "-id"], condition=PUBLIC, name="listing_public_casenumber_idx"),
        ]

    TRANSITION_LABELS = {
        "approve": _("signed"),
        "reject": _("refused"),
        "lapse": _("lapsed"),
        "expire": _("ended at the end of its period"),
        "remove": _("removed"),
        "revoke": _("revoked"),
    }
    REFUSED_IN_STATE = _("A listing decision that is %(state)s cannot be %(action)s.")

    def __str__(self) -> str:
        return self.decision_number or _("Listing proposal #%(id)s") % {"id": self.pk}

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.IN_FORCE and self.published_at is not None

    @transition(field=status, source=Status.PROPOSED, target=Status.IN_FORCE, permission=requires_other_approver)
    def approve(self, *, approved_by, decided_on, decision_number, served_on, publish_on) -> None:
        self.approved_by = approved_by
        self.decided_on = decided_on
        self.decision_number = decision_number
        self.served_on = served_on
        self.publish_on = publish_on

    @transition(field=status, source=Status.PROPOSED, target=Status.REJECTED, permission=requires(Role.APPROVER))
    def reject(self, *, approved_by, rejection_reason) -> None:
        self.approved_by = approved_by
        self.rejection_reason = rejection_reason

    @transition(field=status, source=Status.PROPOSED, target=Status.LAPSED)
    def lapse(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.IN_FORCE,
        target=Status.EXPIRED,
        conditions=[period_over],
        permission=requires(Role.CLERK),
    )
    def expire(self, *, at) -> None:
        self.ended_at = at

    # Payment and the case's closing remove a listing set-wise, as the case's transition allowed; removal on its
    # own (security given) is an approver's act.
    @transition(field=status, source=Status.IN_FORCE, target=Status.REMOVED, permission=requires(Role.APPROVER))
    def remove(self, *, at, end_reason) -> None:
        self.ended_at = at
        self.end_reason = end_reason

    @transition(field=status, source=Status.IN_FORCE, target=Status.REVOKED, permission=requires(Role.APPROVER))
    def revoke(self, *, at, end_reason) -> None:
        self.ended_at = at
        self.end_reason = end_reason


class RestrictionOrder(DecisionRecord):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        REJECTED = "rejected", _("Refused by the approver")
        LAPSED = "lapsed", _("Lapsed (the case ended first)")
        IN_FORCE = "in_force", _("In force")
        LIFTED = "lifted", _("Lifted")

    case = models.ForeignKey(
        EnforcementCase, on_delete=models.PROTECT, related_name="restriction_orders", verbose_name=_("case")
    )
    status = FSMField(_("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED, protected=True)
    categories = ChoiceSetField(verbose_name=_("restricted categories"), choices_class=RestrictionCategory)
    subjects = models.ManyToManyField(
        Party,
        through="RestrictionSubject",
        related_name="restriction_orders",
        verbose_name=_("bound persons"),
    )
    listing = models.OneToOneField(
        ListingDecision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="restriction_order",
        verbose_name=_("issued with listing decision"),
        help_text=_("Set when the order was issued together with the listing of a debtor not yet restricted."),
    )
    order_number = models.CharField(_("order number"), max_length=60, blank=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lift_reason = models.CharField(_("lifted because"), max_length=32, choices=LiftReason.choices, blank=True)
    lift_note = models.TextField(_("note on the lifting"), blank=True)

    class Meta:
        verbose_name = _("restriction order")
        verbose_name_plural = _("restriction orders")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status__in=["proposed", "in_force"]),
                name="restriction_one_active_per_case",
            ),
            models.UniqueConstraint(
                fields=["order_number"], condition=~models.Q(order_number=""), name="restriction_number_unique"
            ),
        ]

    TRANSITION_LABELS = {
        "approve": _("signed"),
        "reject": _("refused"),
        "lapse": _("lapsed"),
        "lift": _("lifted"),
    }
    REFUSED_IN_STATE = _("A restriction order that is %(state)s cannot be %(action)s.")

    def __str__(self) -> str:
        return self.order_number or _("Restriction proposal #%(id)s") % {"id": self.pk}

    @transition(field=status, source=Status.PROPOSED, target=Status.IN_FORCE, permission=requires_other_approver)
    def approve(self, *, approved_by, decided_on, order_number, served_on) -> None:
        self.approved_by = approved_by
        self.decided_on = decided_on
        self.order_number = order_number
        self.served_on = served_on

    @transition(field=status, source=Status.PROPOSED, target=Status.REJECTED, permission=requires(Role.APPROVER))
    def reject(self, *, approved_by, rejection_reason) -> None:
        self.approved_by = approved_by
        self.rejection_reason = rejection_reason

    @transition(field=status, source=Status.PROPOSED, target=Status.LAPSED)
    def lapse(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.IN_FORCE,
        target=Status.LIFTED,
        conditions=[debtor_not_listed],
        permission=requires(Role.APPROVER),
    )
    def lift(self, *, at, lift_reason, lift_note) -> None:
        self.lifted_at = at
        self.lift_reason = lift_reason
        self.lift_note = lift_note


class RestrictionSubject(models.Model):
    """A person bound by a restriction order: the debtor, or one of an organisation's responsible persons."""

    DEBTOR = "debtor"

    order = models.ForeignKey(RestrictionOrder, on_delete=models.CASCADE, related_name="bound")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(
        _("bound as"),
        max_length=32,
        choices=[(DEBTOR, _("Debtor")), *ResponsiblePerson.Role.choices],
    )

    class Meta:
        verbose_name = _("bound person")
        verbose_name_plural = _("bound persons")
        constraints = [models.UniqueConstraint(fields=["order", "party"], name="restrictionsubject_unique")]
        indexes = [models.Index(fields=["party", "order"], name="restrictionsubject_party_idx")]

    def __str__(self) -> str:
        return f"{self.party.name} ({self.get_role_display()})"


class TemporaryLift(models.Model):
    """A temporary lift of a travel restriction: at most a month, for a serious reason, signed by an approver.

    While it covers a day, carriers are told the debtor may travel in its categories that day.
    """

    class Reason(models.TextChoices):
        ILLNESS = "illness", _("Serious illness (own or close relative's)")
        FUNERAL = "funeral", _("Funeral of a close relative")
        OFFICIAL_DUTY = "official_duty", _("Official duty")
        EXAM = "exam", _("Examination")

    order = models.ForeignKey(
        RestrictionOrder, on_delete=models.PROTECT, related_name="temporary_lifts", verbose_name=_("restriction order")
    )
    categories = ChoiceSetField(
        verbose_name=_("travel categories lifted"),
        choices_class=RestrictionCategory,
        help_text=_("Only travel categories can be lifted temporarily."),
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (inclusive)"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    note = models.TextField(_("details"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("approved by")
    )
    approved_at = models.DateTimeField(_("approved at"), auto_now_add=True)

    class Meta:
        verbose_name = _("temporary lift")
        verbose_name_plural = _("temporary lifts")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="templift_dates_ordered"
            )
        ]
        indexes = [models.Index(fields=["order", "ends_on"], name="templift_order_ends_idx")]

    def __str__(self) -> str:
        return f"{self.starts_on} - {self.ends_on} ({self.get_reason_display()})"

    def covers(self, day, category) -> bool:
        return self.starts_on <= day <= self.ends_on and category in self.categories
