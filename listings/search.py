"""Searching the public list: by name, by full ID number (or USCC), by case number; filtered by court, province
and kind. Keyset pagination (newest listing first, `id < cursor`): no OFFSET scan and no COUNT over the table.

A full ID number is matched exactly against the stored number and never echoed: the page shows it masked.
"""

from dataclasses import dataclass

from django import forms
from django.core import signing
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enforcement import identity
from enforcement.casenumbers import normalise_case_number
from enforcement.models import Court, Party, Province
from listings.selectors import PublicEntry, public_entries, public_entry_ids

PAGE_SIZE = 20
#: A search by name alone may page this far and no further: enough for a person, too little for a scraper.
NAME_ONLY_MAX_PAGES = 5


class SearchForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    id_number = forms.CharField(
        label=_("ID number or unified social credit code"),
        max_length=32,
        required=False,
        help_text=_("The full number; it is shown masked."),
    )
    case_number = forms.CharField(label=_("Case number"), max_length=40, required=False)
    province = forms.ChoiceField(label=_("Province"), required=False, choices=[("", _("All provinces"))])
    court = forms.CharField(
        label=_("Court"),
        max_length=100,
        required=False,
        help_text=_("Its name or code, e.g. 北京市朝阳区人民法院 or 京0105."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Persons and organisations")), *Party.Kind.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", _("All provinces")), *Province.choices]

    def clean_court(self) -> Court | None:
        """A court by its exact name or code (there are thousands: a drop-down would weigh down every page)."""
        typed = self.cleaned_data["court"].strip()
        if not typed:
            return None
        compact = "".join(typed.split())
        court = Court.objects.filter(Q(code=compact) | Q(name=compact) | Q(name_en__iexact=typed)).first()
        if court is None:
            raise forms.ValidationError(_("No court has this name or code."), code="unknown_court")
        return court

    def clean_name(self) -> str:
        return " ".join(identity.INVISIBLE.sub("", self.cleaned_data["name"]).split())

    def clean_id_number(self) -> str:
        """A full number is matched exactly; one that looks like a resident ID but fails its checks is refused
        with the rule it broke, unless it is a valid USCC (many USCCs are 17 digits and a check character)."""
        number = identity.normalise_id_number(self.cleaned_data["id_number"])
        if len(number) == 18 and number[:17].isdigit() and not is_full_id_number(number):
            try:
                identity.parse_resident_id(number)
            except forms.ValidationError as exc:
                raise forms.ValidationError(exc.messages) from None
        return number

    def _route_id_numbers(self) -> None:
        """A full ID number typed into the name or case-number field is searched as the ID number it is: it
        must not be redirected into a URL (and from there into logs), however it was typed (full-width digits,
        invisible characters, the old 15-digit form)."""
        for field in ("name", "case_number"):
            typed = self.cleaned_data.get(field, "")
            if typed and not self.cleaned_data.get("id_number") and is_full_id_number(typed):
                self.cleaned_data["id_number"] = identity.normalise_id_number(typed)
                self.cleaned_data[field] = ""

    def clean_case_number(self) -> str:
        return normalise_case_number(self.cleaned_data["case_number"])

    def clean(self):
        data = super().clean()
        self._route_id_numbers()
        if not (data.get("name") or data.get("id_number") or data.get("case_number")):
            raise forms.ValidationError(_("Enter a name, an ID number or a case number."), code="empty")
        return data

    @property
    def is_name_only(self) -> bool:
        return bool(self.cleaned_data.get("name")) and not (
            self.cleaned_data.get("id_number") or self.cleaned_data.get("case_number")
        )


def is_full_id_number(text: str) -> bool:
    """Is this a valid resident ID number (an old 15-digit one too) or USCC, checksum and all?"""
    try:
        number = identity.normalise_id_number(text)
    except forms.ValidationError:
        return False
    if len(number) != 18:
        return False
    for parse in (identity.parse_resident_id, identity.parse_uscc):
        try:
            parse(number)
        except forms.ValidationError:
            continue
        return True
    return False


# The position of a page is signed: a name-only search's page count cannot be reset by editing the URL.
_cursor_signer = signing.Signer(salt="listings.search.cursor")


def cursor_token(after: int, page_number: int) -> str:
    return _cursor_signer.sign(f"{after}.{page_number}")


def read_cursor_token(token: str) -> tuple[int | None, int]:
    """(after, page number) of a token `cursor_token` made; anything else is the first page."""
    try:
        after, page_number = (int(part) for part in _cursor_signer.unsign(token).split("."))
    except (signing.BadSignature, ValueError):
        return None, 1
    return after, page_number


@dataclass
class SearchPage:
    entries: list[PublicEntry]
    next_cursor: int | None
    page_number: int
    capped: bool  # a name-only search that reached its last allowed page while more results remain


def search(data: dict, *, after: int | None = None, page_number: int = 1) -> SearchPage:
    """One page of public entries matching the cleaned form data, newest listing first (see `public_entry_ids`);
    a search by name alone stops after NAME_ONLY_MAX_PAGES pages."""
    keys = ("id_number", "case_number", "name", "court", "province", "kind")
    ids, more = public_entry_ids(limit=PAGE_SIZE, after=after, **{k: data[k] for k in keys if data.get(k)})
    name_only = bool(data.get("name")) and not (data.get("id_number") or data.get("case_number"))
    capped = more and name_only and page_number >= NAME_ONLY_MAX_PAGES
    next_cursor = ids[-1] if more and not capped else None
    return SearchPage(
        entries=public_entries(ids),
        next_cursor=next_cursor,
        page_number=page_number,
        capped=capped,
    )
