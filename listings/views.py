"""The public list's pages. Every page gets its data from `listings.selectors`, the one rule of what is public.

A full ID number never appears in a URL, a page or a log line: a search by ID number is a POST (never
redirected into a query string, never echoed back), and its result shows the number masked.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from config.ratelimits import client_usage
from config.replicas import replica_reads
from enforcement import identity
from enforcement.rules import Ground
from listings import opendata, probes, stats
from listings.charts import NARROW, WIDE, horizontal_bars, monthly_columns, share_bar
from listings.search import NAME_ONLY_MAX_PAGES, SearchForm, cursor_token, read_cursor_token, search
from listings.selectors import public_entry

SEARCH_FIELDS = ("name", "case_number", "province", "court", "kind")  # everything but the ID number


def _limited(request, group: str, rate: str) -> bool:
    return client_usage(request, group=group, rate=rate).limited


def rate_limited(request, exception=None, *, group: str = "search", rate: str | None = None):
    """HTTP 429 with a page that says when to try again."""
    retry_after = client_usage(
        request, group=group, rate=rate or settings.PUBLIC_SEARCH_RATE, increment=False
    ).retry_after
    response = render(request, "listings/429.html", {"retry_after": retry_after, "group": group}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def too_many_for_this_number(request, retry_after: int, *, group: str = "target"):
    """HTTP 429: this number (or case) has been tried too often today, by anyone (`listings.probes`)."""
    response = render(request, "listings/429.html", {"retry_after": retry_after, "group": group}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _search(data: dict, **paging):
    """`search`, within the budget of the number searched when it is one the public sees only masked."""
    number = data.get("id_number", "")
    if not (number and probes.is_guarded(number)):
        return search(data, **paging)
    target = probes.search_target(number)
    return probes.guarded_lookup(
        surface=probes.Surface.SEARCH,
        target=target,
        label=target,
        candidate=number,
        lookup=lambda: search(data, **paging),
        found=lambda page: bool(page.entries),
    )


@replica_reads
@sensitive_post_parameters("id_number")
@require_http_methods(["GET", "POST"])
def home(request):
    try:
        return _home(request)
    except probes.BudgetSpent as spent:
        return too_many_for_this_number(request, spent.retry_after)


def _home(request):
    context = {"page": None, "masked_id": None}
    if request.method == "POST":
        form = SearchForm(request.POST)
        if form.is_valid() and not form.cleaned_data["id_number"]:
            # Post-redirect-get: a name or case number search gets a URL one can bookmark and page through.
            # The search is counted against the limit once, by the GET it redirects to.
            params = {k: form.cleaned_data[k] for k in SEARCH_FIELDS if k != "court" and form.cleaned_data.get(k)}
            if form.cleaned_data.get("court"):
                params["court"] = form.cleaned_data["court"].code
            return HttpResponseRedirect(f"{reverse('listings:home')}?{urlencode(params)}")
        if _limited(request, "search", settings.PUBLIC_SEARCH_RATE):
            return rate_limited(request)
        if form.is_valid():
            context["page"] = _search(form.cleaned_data)
            context["masked_id"] = identity.mask_id_number(form.cleaned_data["id_number"])
            # The number typed is not sent back into the form.
            form = SearchForm(initial={k: form.cleaned_data[k] for k in SEARCH_FIELDS if form.cleaned_data.get(k)})
    elif any(request.GET.get(k) for k in SEARCH_FIELDS):
        if _limited(request, "search", settings.PUBLIC_SEARCH_RATE):
            return rate_limited(request)
        form = SearchForm({k: request.GET.get(k, "") for k in SEARCH_FIELDS})
        if form.is_valid():
            after, page_number = read_cursor_token(request.GET.get("cursor", ""))
            context["page"] = _search(form.cleaned_data, after=after, page_number=page_number)
            if form.cleaned_data["id_number"]:
                context["masked_id"] = identity.mask_id_number(form.cleaned_data["id_number"])
            if context["page"].next_cursor:
                params = {k: request.GET[k] for k in SEARCH_FIELDS if request.GET.get(k)}
                params["cursor"] = cursor_token(context["page"].next_cursor, context["page"].page_number + 1)
                context["next_url"] = f"{reverse('listings:home')}?{urlencode(params)}"
    else:
        form = SearchForm()
    context["form"] = form
    context["name_only_max"] = NAME_ONLY_MAX_PAGES
    context["is_name_only"] = form.is_bound and form.is_valid() and form.is_name_only
    return render(request, "listings/home.html", context)


@replica_reads
@require_GET
def entry(request, pk: int):
    if _limited(request, "page", settings.PUBLIC_PAGE_RATE):
        return rate_limited(request, group="page", rate=settings.PUBLIC_PAGE_RATE)
    found = public_entry(pk)
    if found is None:
        # Never listed, not yet published, or removed: the same answer, which reveals nothing.
        raise Http404(_("This entry is not on the list."))
    return render(request, "listings/entry.html", {"entry": found})


@replica_reads
@require_GET
def statistics(request):
    figures = stats.current()
    chinese = (get_language() or "").startswith("zh")
    month_labels = [date_format(m, "Y-m") for m in figures["months"]]
    courts = [(en if (en and not chinese) else zh, n) for zh, en, n in figures["by_court"]]
    grounds = [(str(Ground(code).label), n) for code, n in figures["by_ground"]]

    def draw(width: int) -> dict:
        return {
            "months": monthly_columns(
                month_labels,
                [(_("Listed"), figures["listed_per_month"]), (_("Removed"), figures["removed_per_month"])],
                title=_("Entries listed and removed per month"),
                width=width,
            ),
            "courts": horizontal_bars(courts, title=_("Currently listed, by court"), width=width),
            "grounds": horizontal_bars(grounds, title=_("Currently listed, by ground"), colour="#2563eb", width=width),
            "paid": share_bar(
                figures["paid_share"],
                title=_("Share of published entries removed because the debtor paid or settled"),
                label=_("%(share)s%% paid or settled after listing") % {"share": figures["paid_share"]},
                width=width,
            ),
        }

    # Drawn for a laptop and for a phone; the stylesheet shows one (text keeps its size on both).
    charts = {
        name: (wide, narrow) for (name, wide), narrow in zip(draw(WIDE).items(), draw(NARROW).values(), strict=True)
    }
    rows = {
        "months": list(zip(month_labels, figures["listed_per_month"], figures["removed_per_month"], strict=True)),
        "courts": courts,
        "grounds": grounds,
    }
    return render(request, "listings/statistics.html", {"stats": figures, "charts": charts, "rows": rows})


@replica_reads
@require_GET
def open_data(request):
    return render(
        request,
        "listings/open_data.html",
        {"files": opendata.latest_files(), "fields": opendata.FIELDS},
    )


@replica_reads
@require_GET
def open_data_file(request, fmt: str):
    path = opendata.latest_files().get(fmt)
    if path is None:
        raise Http404(_("The open-data file has not been generated yet."))
    response = StreamingHttpResponse(opendata.still_public(path, fmt), content_type=opendata.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{path.name}"'
    return response
