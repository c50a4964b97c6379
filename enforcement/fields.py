"""A set of choices stored as one integer of bits: listing grounds, restriction categories.

Why not a table per set: a restriction order usually covers all twelve categories; at ten million cases a join
table would hold a hundred million rows to answer questions a bit test answers on the row itself. The bit of
each member is its position in the choices class, so new members are only ever appended at the end.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Lookup


class ChoiceSetField(models.PositiveIntegerField):
    def __init__(self, *args, choices_class=None, **kwargs):
        if choices_class is None:
            raise TypeError("ChoiceSetField needs choices_class")
        self.choices_class = choices_class
        kwargs.setdefault("default", 0)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["choices_class"] = self.choices_class
        return name, path, args, kwargs

    # --- conversion between a set of members and the stored bits
    def bit(self, member) -> int:
        values = list(self.choices_class.values)
        try:
            return 1 << values.index(self.choices_class(member).value)
        except ValueError:
            raise ValidationError(f"{member!r} is not one of {', '.join(map(str, values))}") from None

    def to_bits(self, members) -> int:
        if isinstance(members, int):
            return members
        bits = 0
        for member in members or ():
            bits |= self.bit(member)
        return bits

    def from_bits(self, bits: int) -> frozenset:
        return frozenset(member for i, member in enumerate(self.choices_class) if bits & (1 << i))

    def from_db_value(self, value, expression, connection):
        return None if value is None else self.from_bits(value)

    def to_python(self, value):
        if value is None or isinstance(value, frozenset):
            return value
        if isinstance(value, int):
            return self.from_bits(value)
        return frozenset(self.choices_class(v) for v in value)

    def get_prep_value(self, value):
        if value is None:
            return None
        return self.to_bits(value)

    def value_to_string(self, obj):
        return ",".join(str(m.value) for m in sorted(self.value_from_object(obj) or (), key=str))

    def validate(self, value, model_instance):
        # The members are validated when converted; the integer range check of the parent does not apply.
        if not self.blank and not value:
            raise ValidationError(self.error_messages["blank"], code="blank")

    def formfield(self, **kwargs):
        defaults = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": self.choices_class.choices,
            "coerce": self.choices_class,
            "widget": forms.CheckboxSelectMultiple,
            "required": not self.blank,
            "label": self.verbose_name,
            "help_text": self.help_text,
        }
        defaults.update(kwargs)
        return forms.TypedMultipleChoiceField(
            **{k: v for k, v in defaults.items() if k != "form_class"},
        )


@ChoiceSetField.register_lookup
class HasAny(Lookup):
    """`categories__has=RestrictionCategory.AIR_TRAVEL` or `grounds__has=[1, 2]`: at least one member in the set."""

    lookup_name = "has"

    def get_prep_lookup(self):
        value = self.rhs
        members = value if isinstance(value, list | tuple | set | frozenset) else [value]
        return self.lhs.output_field.to_bits(members)

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"({lhs} & {rhs}) <> 0", (*lhs_params, *rhs_params)


@models.Field.register_lookup
class AnyOf(models.lookups.In):
    """`pk__any=[...]`: like `__in`, but on PostgreSQL one array parameter (`= ANY(%s)`) instead of one
    placeholder per value, which a driver must parse for every statement. For batches of thousands of ids."""

    lookup_name = "any"

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [self.lhs.output_field.get_db_prep_value(v, connection) for v in self.rhs if v is not None]
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


models.ForeignObject.register_lookup(AnyOf)
