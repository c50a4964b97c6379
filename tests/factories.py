import datetime
import random
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from enforcement.demo_identities import resident_id, uscc
from enforcement.models import Court, EnforcementCase, Party, ResponsiblePerson, StaffRole

rng = random.Random(20261121)  # noqa: S311 - test data


class CourtFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Court
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试区人民法院{n}")
    name_en = factory.Sequence(lambda n: f"Test District Court {n}")
    code = factory.Sequence(lambda n: f"京{n + 1000:04d}")
    level = Court.Level.BASIC
    province = "11"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """roles=[(court, "clerk"), ...]"""
        self.save()
        for court, role in extracted or ():
            StaffRole.objects.get_or_create(user=self, court=court, role=role)


def _adult_birth_date():
    return datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 40))


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    class Params:
        birth = factory.LazyFunction(_adult_birth_date)
        male = factory.LazyFunction(lambda: rng.random() < 0.5)

    kind = Party.Kind.PERSON
    name = factory.Faker("name", locale="zh_CN")
    id_type = Party.IdType.RESIDENT_ID
    id_number = factory.LazyAttribute(lambda o: resident_id(rng, birth_date=o.birth, sex="M" if o.male else "F"))
    sex = factory.LazyAttribute(lambda o: "M" if o.male else "F")
    birth_date = factory.LazyAttribute(lambda o: o.birth)
    address = factory.Faker("address", locale="zh_CN")
    phone = factory.Faker("phone_number", locale="zh_CN")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    kind = Party.Kind.ORGANISATION
    name = factory.Faker("company", locale="zh_CN")
    id_type = Party.IdType.USCC
    id_number = factory.LazyFunction(lambda: uscc(rng))


class ResponsiblePersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResponsiblePerson

    organisation = factory.SubFactory(OrganisationFactory)
    person = factory.SubFactory(PersonFactory)
    role = ResponsiblePerson.Role.LEGAL_REPRESENTATIVE


class CaseFactory(factory.django.DjangoModelFactory):
    """A case in `judgment`, created directly (the state field starts at its default)."""

    class Meta:
        model = EnforcementCase

    court = factory.SubFactory(CourtFactory)
    case_number = factory.LazyAttributeSequence(lambda o, n: f"（2026）{o.court.code}执{n + 1}号")
    creditor = factory.SubFactory(OrganisationFactory)
    debtor = factory.SubFactory(PersonFactory)
    basis_issuer = "北京市朝阳区人民法院"
    basis_number = factory.Sequence(lambda n: f"（2025）京0105民初{n + 100}号")
    basis_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=120))
    obligation = "被执行人应向申请执行人支付借款本金及利息。"
    amount_due = Decimal("100000.00")
    filed_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=60))
