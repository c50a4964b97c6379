from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from enforcement import identity


class Party(models.Model):
    """A natural person or an organisation. Identity is (ID type, ID number), never the name."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Natural person")
        ORGANISATION = "organisation", _("Organisation")

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("PRC resident ID")
        PASSPORT = "passport", _("Passport")
        OTHER = "other", _("Other identity document")
        USCC = "uscc", _("Unified social credit code")

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    id_type = models.CharField(
        _("ID type"),
        max_length=16,
        choices=IdType.choices,
        help_text=_("Organisations are identified by their unified social credit code."),
    )
    id_number = models.CharField(
        _("ID number"),
        max_length=32,
        help_text=_("Checked against its checksum. Shown to the public only masked (first 10, ****, last 4)."),
    )
    sex = models.CharField(
        _("sex"),
        max_length=1,
        choices=Sex.choices,
        blank=True,
        help_text=_("Read from a resident ID number."),
    )
    birth_date = models.DateField(
        _("birth date"),
        null=True,
        blank=True,
        help_text=_("Read from a resident ID number. Minors are never listed."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True, help_text=_("Never shown to the public."))
    phone = models.CharField(_("phone"), max_length=40, blank=True, help_text=_("Never shown to the public."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    anonymised_at = models.DateTimeField(
        _("anonymised at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set when the retention period of this person's last case ran out and their data was erased."),
    )

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["id_type", "id_number"], name="party_unique_identity"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="organisation", id_type="uscc")
                    | (models.Q(kind="person") & ~models.Q(id_type="uscc"))
                ),
                name="party_id_type_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["id_number"], name="party_id_number_idx"),
            models.Index(fields=["name"], name="party_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.masked_id_number})"

    @property
    def is_person(self) -> bool:
        return self.kind == self.Kind.PERSON

    @property
    def masked_id_number(self) -> str:
        if self.kind == self.Kind.ORGANISATION:
            return self.id_number  # a USCC is public
        return identity.mask_id_number(self.id_number)

    def clean(self) -> None:
        """Validate the name and the number for its type, and fill in what a resident ID number encodes."""
        try:
            identity.check_name(self.name or "")
        except ValidationError as exc:
            raise ValidationError({"name": exc.messages}) from None
        if not self.id_number:
            return
        errors = {}
        try:
            if self.kind == self.Kind.ORGANISATION:
                if self.id_type != self.IdType.USCC:
                    errors["id_type"] = _("An organisation is identified by its unified social credit code.")
                else:
                    self.id_number = identity.parse_uscc(self.id_number)
                    self.sex, self.birth_date = "", None
            elif self.id_type == self.IdType.USCC:
                errors["id_type"] = _("A natural person cannot have a unified social credit code.")
            elif self.id_type == self.IdType.RESIDENT_ID:
                parsed = identity.parse_resident_id(self.id_number)
                self.id_number = parsed.number
                if self.sex and self.sex != parsed.sex:
                    errors["sex"] = _("The resident ID number says %(sex)s.") % {"sex": self.Sex(parsed.sex).label}
                if self.birth_date and self.birth_date != parsed.birth_date:
                    errors["birth_date"] = _("The resident ID number says %(date)s.") % {
                        "date": parsed.birth_date.isoformat()
                    }
                self.sex, self.birth_date = parsed.sex, parsed.birth_date
            else:
                self.id_number = identity.normalise(self.id_number)
                if not self.sex:
                    errors["sex"] = _("Give the sex for a person without a resident ID number.")
                if not self.birth_date:
                    errors["birth_date"] = _("Give the birth date for a person without a resident ID number.")
        except ValidationError as exc:
            errors["id_number"] = exc.messages
        if errors:
            raise ValidationError(errors)


class ResponsiblePerson(models.Model):
    """A natural person answerable for an organisation: bound by its restriction orders, never listed for it."""

    class Role(models.TextChoices):
        LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
        PRINCIPAL = "principal", _("Principal person in charge")
        DIRECTLY_RESPONSIBLE = "directly_responsible", _("Person directly responsible")
        ACTUAL_CONTROLLER = "actual_controller", _("Actual controller")

    organisation = models.ForeignKey(
        Party,
        on_delete=models.CASCADE,
        related_name="responsible_persons",
        limit_choices_to={"kind": Party.Kind.ORGANISATION},
        verbose_name=_("organisation"),
    )
    person = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        related_name="responsible_for",
        limit_choices_to={"kind": Party.Kind.PERSON},
        verbose_name=_("person"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("responsible person")
        verbose_name_plural = _("responsible persons")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "person", "role"], name="responsibleperson_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person.name} - {self.get_role_display()}"

    def clean(self) -> None:
        if self.organisation_id and self.organisation.kind != Party.Kind.ORGANISATION:
            raise ValidationError({"organisation": _("Only an organisation has responsible persons.")})
        if self.person_id and self.person.kind != Party.Kind.PERSON:
            raise ValidationError({"person": _("A responsible person is a natural person.")})
