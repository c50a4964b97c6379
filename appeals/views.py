"""The debtor's pages: status check, filing a request, receipt and tracking, reconsideration, the clearance
certificate and its public verification.

The debtor identifies a case with its number and their full ID number (or USCC). A wrong pair gets exactly the
answer an unknown case gets, and both are rate-limited, so the page is no oracle for guessing ID numbers. Once
identified, the session remembers the case (not the number) for a short while: the full ID number is never put
back into a page, a URL or a log line.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appeals import evidence, services
from appeals.certificate_pdf import render_certificate
from appeals.forms import FileRequestForm, IdentifyForm, ReconsiderationForm, TrackForm, VerifyForm, WithdrawForm
from appeals.models import RequestKind, RequestState
from appeals.selectors import debtor_status, request_by_code
from enforcement.errors import DomainError
from enforcement.models import EnforcementCase
from listings import probes
from listings.views import _limited, rate_limited, too_many_for_this_number

SESSION_KEY = "appeals_identified"
IDENTIFIED_FOR_SECONDS = 30 * 60
# Withdrawal codes of requests just filed in this session, by tracking code, until their receipt shows them once.
WITHDRAWAL_CODES_KEY = "appeals_withdrawal_codes"


def _check_limited(request) -> bool:
    return _limited(request, "appeals", settings.APPEALS_CHECK_RATE)


def _too_many(request):
    return rate_limited(request, group="appeals", rate=settings.APPEALS_CHECK_RATE)


def _page_limited(request) -> bool:
    return _limited(request, "page", settings.PUBLIC_PAGE_RATE)


def _identified_case(request) -> EnforcementCase | None:
    held = request.session.get(SESSION_KEY)
    if not held or time.time() - held.get("at", 0) > IDENTIFIED_FOR_SECONDS:
        return None
    return EnforcementCase.objects.select_related("court", "debtor").filter(pk=held.get("case_id")).first()


def _apply_error(form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@sensitive_post_parameters("id_number")
@require_http_methods(["GET", "POST"])
def status_check(request):
    form = IdentifyForm(request.POST or None)
    not_found = False
    if request.method == "POST":
        if _check_limited(request):
            return _too_many(request)
        if form.is_valid():
            try:
                case = probes.guarded_lookup(
                    surface=probes.Surface.STATUS,
                    target=form.cleaned_data["case_number"],
                    label=form.cleaned_data["case_number"],
                    candidate=form.cleaned_data["id_number"],
                    lookup=lambda: services.case_for_debtor(**form.cleaned_data),
                    found=lambda found: found is not None,
                )
            except probes.BudgetSpent as spent:
                return too_many_for_this_number(request, spent.retry_after, group="case")
            if case is not None:
                request.session.cycle_key()
                request.session[SESSION_KEY] = {"case_id": case.pk, "at": time.time()}
                return HttpResponseRedirect(reverse("appeals:my_case"))
            # Unknown case, or a known case with someone else's ID number: one answer for both. Only the case
            # number is kept in the form, as typed, so the debtor corrects the ID number without typing it
            # again; the page is otherwise the same whatever was typed, and the ID number is never echoed.
            form = IdentifyForm(initial={"case_number": request.POST.get("case_number", "")[:40]})
            not_found = True
    return render(request, "appeals/status_check.html", {"form": form, "not_found": not_found})


@require_GET
def my_case(request):
    case = _identified_case(request)
    if case is None:
        messages.info(request, _("Enter your case number and ID number first."))
        return HttpResponseRedirect(reverse("appeals:status"))
    return render(request, "appeals/my_case.html", {"status": debtor_status(case)})


@require_POST
def forget(request):
    request.session.pop(SESSION_KEY, None)
    return HttpResponseRedirect(reverse("appeals:status"))


@require_http_methods(["GET", "POST"])
def file_request(request):
    case = _identified_case(request)
    if case is None:
        messages.info(request, _("Enter your case number and ID number first."))
        return HttpResponseRedirect(reverse("appeals:status"))
    form = FileRequestForm(request.POST or None, initial={"kind": request.GET.get("kind", "")})
    if request.method == "POST":
        if _check_limited(request):
            return _too_many(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                filing = services.removal_request_file(
                    case_id=case.pk,
                    kind=data["kind"],
                    statement=data["statement"],
                    contact_email=data["contact_email"],
                    contact_phone=data["contact_phone"],
                    language=request.LANGUAGE_CODE,
                    files=request.FILES.getlist("evidence"),
                    lift_reason=data["lift_reason"],
                    lift_categories=data["lift_categories"],
                    lift_starts_on=data["lift_starts_on"],
                    lift_ends_on=data["lift_ends_on"],
                )
            except DomainError as error:
                _apply_error(form, error)
            else:
                _after_filing(request, filing)
                return HttpResponseRedirect(reverse("appeals:receipt", args=[filing.request.tracking_code]))
        elif request.FILES.getlist("evidence"):
            # Every error at once: the files are checked now too, not only once the rest of the form is right.
            try:
                evidence.check_files(request.FILES.getlist("evidence"))
            except DomainError as error:
                _apply_error(form, error)
    context = {
        "form": form,
        "case": case,
        "max_files": evidence.max_files(),
        "max_mb": f"{evidence.max_bytes() / 1_000_000:g}",
        "temporary_lift": RequestKind.TEMPORARY_LIFT.value,
        # A browser cannot put a file back into a file field: name the files chosen, to choose them again.
        "chosen_files": [f.name for f in request.FILES.getlist("evidence")] if form.errors else [],
    }
    return render(request, "appeals/file_request.html", context, status=400 if form.errors else 200)


def _after_filing(request, filing: services.Filing) -> None:
    if filing.created:
        codes = request.session.get(WITHDRAWAL_CODES_KEY, {})
        request.session[WITHDRAWAL_CODES_KEY] = {**codes, filing.request.tracking_code: filing.withdrawal_code}
        return
    messages.info(
        request,
        _(
            "You had already filed this request and it is still open, so it was not filed again: here is its "
            "receipt. To withdraw it, use the withdrawal code you were given then."
        ),
    )
    if filing.evidence_added:
        messages.info(
            request,
            ngettext(
                "%(n)d new evidence file was added to it.",
                "%(n)d new evidence files were added to it.",
                filing.evidence_added,
            )
            % {"n": filing.evidence_added},
        )


def _request_or_404(code: str):
    found = request_by_code(services.normalise_tracking_code(code))
    if found is None:
        raise Http404(_("There is no request with this tracking code."))
    return found


@require_GET
def receipt(request, code: str):
    if _page_limited(request):
        return rate_limited(request, group="page", rate=settings.PUBLIC_PAGE_RATE)
    found = _request_or_404(code)
    # The withdrawal code is shown once, in the session that filed the request; reloading the page, or anyone
    # else who has the tracking code, does not see it.
    codes = request.session.get(WITHDRAWAL_CODES_KEY, {})
    withdrawal_code = codes.pop(found.tracking_code, "")
    if withdrawal_code:
        request.session[WITHDRAWAL_CODES_KEY] = codes
    return render(request, "appeals/receipt.html", {"req": found, "withdrawal_code": withdrawal_code})


@require_GET
def track_lookup(request):
    form = TrackForm(request.GET or None)
    if form.is_valid():
        code = services.normalise_tracking_code(form.cleaned_data["code"])
        return HttpResponseRedirect(reverse("appeals:track", args=[code]))
    return render(request, "appeals/track_lookup.html", {"form": form})


@require_GET
def track(request, code: str):
    if _page_limited(request):
        return rate_limited(request, group="page", rate=settings.PUBLIC_PAGE_RATE)
    found = _request_or_404(code)
    if found.state == RequestState.REJECTED and found.rejection_served_on is None:
        # The filer sees the rejection here: it is served on them today (the only service for a filer without an
        # e-mail address), and the reconsideration window runs from today.
        services.removal_request_serve(request_id=found.pk, on=timezone.localdate(), by="tracking_page")
        found = request_by_code(found.tracking_code)
    return _track_page(request, found)


def _track_page(request, found, *, form=None, withdraw_form=None, status: int = 200):
    context = {
        "req": found,
        "form": form or ReconsiderationForm(),
        "withdraw_form": withdraw_form or WithdrawForm(),
    }
    return render(request, "appeals/track.html", context, status=status)


@require_POST
def reconsider(request, code: str):
    if _check_limited(request):
        return _too_many(request)
    found = _request_or_404(code)
    form = ReconsiderationForm(request.POST)
    if form.is_valid():
        try:
            services.removal_request_ask_reconsideration(
                tracking_code=found.tracking_code, statement=form.cleaned_data["statement"]
            )
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Your request for reconsideration has been sent to the higher court."))
            return HttpResponseRedirect(reverse("appeals:track", args=[found.tracking_code]))
    status = 409 if form.non_field_errors() else 400
    return _track_page(request, request_by_code(found.tracking_code), form=form, status=status)


@require_POST
def withdraw(request, code: str):
    if _check_limited(request):
        return _too_many(request)
    found = _request_or_404(code)
    form = WithdrawForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.removal_request_withdraw(
                tracking_code=found.tracking_code, withdrawal_code=form.cleaned_data["withdrawal_code"]
            )
        except DomainError as error:
            _apply_error(form, error)
            status = error.status
        else:
            messages.success(request, _("Your request has been withdrawn."))
            return HttpResponseRedirect(reverse("appeals:track", args=[found.tracking_code]))
    return _track_page(request, request_by_code(found.tracking_code), withdraw_form=form, status=status)


@require_POST
def certificate(request):
    case = _identified_case(request)
    if case is None:
        messages.info(request, _("Enter your case number and ID number first."))
        return HttpResponseRedirect(reverse("appeals:status"))
    try:
        issued = services.certificate_issue(case_id=case.pk)
    except DomainError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(reverse("appeals:my_case"))
    # The address in the QR code is the public site's, from the settings (required in production): never the
    # Host header of a request there. Only a local server without PUBLIC_SITE_URL (runserver outside the quick
    # start, DEBUG, ALLOWED_HOSTS local) prints the address it was asked on.
    url = services.certificate_verify_url(issued)
    if not settings.PUBLIC_SITE_URL:
        url = request.build_absolute_uri(url)
    response = HttpResponse(render_certificate(issued, verify_url=url), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{issued.number}.pdf"'
    return response


@require_GET
def verify(request):
    if _page_limited(request):
        return rate_limited(request, group="page", rate=settings.PUBLIC_PAGE_RATE)
    form = VerifyForm(request.GET or None)
    context = {"form": form, "checked": False, "verified": None}
    if form.is_valid():
        context["checked"] = True
        context["verified"] = services.certificate_verify(**form.cleaned_data)
    return render(request, "appeals/verify.html", context)
