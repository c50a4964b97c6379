"""A few debtors' requests in various states for the demo (`manage.py demo_data` calls this at its end), made
through the same services the public pages and the admin use."""

import datetime
import io

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfWriter

from appeals import services
from appeals.models import RequestKind
from enforcement.models import CaseState, EnforcementCase
from listings.selectors import public_listings

COURT = "京0101"  # Dongcheng: clerk "clerk", approver "approver"; its higher court's reviewer "beijing2.reviewer"


def _pdf(name: str) -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/pdf")


def add_demo_requests(stdout) -> None:
    users = get_user_model().objects.in_bulk(["clerk", "approver"], field_name="username")
    clerk, approver = users.get("clerk"), users.get("approver")
    listed_ids = public_listings().filter(case__court__code=COURT).order_by("case_id").values_list("case_id", flat=True)
    listed = list(EnforcementCase.objects.filter(pk__in=list(listed_ids)[:6]).select_related("debtor").order_by("pk"))
    restricted = (
        EnforcementCase.objects.filter(court__code=COURT, state=CaseState.RESTRICTED).select_related("debtor").first()
    )
    if clerk is None or approver is None or len(listed) < 5:
        stdout.write("Not enough listed cases in the demo court for the demo requests; skipped.")
        return

    def file(case, kind, statement, **extra):
        return services.removal_request_file(
            case_id=case.pk, kind=kind, statement=statement, contact_phone="13800138000", language="zh-hans", **extra
        ).request

    submitted = file(listed[0], RequestKind.PAID, "本人已于上月全额付清，附银行回单。", files=[_pdf("银行回单.pdf")])
    review = file(listed[1], RequestKind.INACCURATE, "名单上我的姓名有误。", files=[_pdf("身份证复印件.pdf")])
    services.removal_request_start_review(actor=clerk, request_id=review.pk)
    rejected = file(listed[2], RequestKind.WRONGLY_LISTED, "我有能力履行但申请执行人拒收，不应被列入。")
    services.removal_request_reject(
        actor=approver, request_id=rejected.pk, reasons="经查，被执行人有履行能力而拒不履行，列入决定正确。"
    )
    asked = file(listed[3], RequestKind.CREDITOR_CONSENT, "申请执行人已书面同意删除。")
    services.removal_request_reject(actor=approver, request_id=asked.pk, reasons="未提交申请执行人的书面同意。")
    # The filer (a phone number only) reads the rejection on the tracking page: it is served today.
    services.removal_request_serve(request_id=asked.pk, on=timezone.localdate(), by="tracking_page")
    services.removal_request_ask_reconsideration(tracking_code=asked.tracking_code, statement="书面同意书已补交。")
    lines = [
        f"  submitted (paid):                {submitted.tracking_code}",
        f"  under review (inaccurate):       {review.tracking_code}",
        f"  rejected (served, and its 10-day window opens, when the filer opens it): {rejected.tracking_code}",
        f"  reconsideration (beijing2.reviewer decides): {asked.tracking_code}",
    ]
    if restricted is not None:
        start = timezone.localdate() + datetime.timedelta(days=2)
        lift = file(
            restricted,
            RequestKind.TEMPORARY_LIFT,
            "母亲病重，需乘飞机赴上海就医。",
            lift_reason="illness",
            lift_categories=["air_travel"],
            lift_starts_on=start,
            lift_ends_on=start + datetime.timedelta(days=6),
        )
        services.removal_request_grant(actor=approver, request_id=lift.pk, reasons="医院证明属实，准予临时解除。")
        lines.append(f"  granted temporary lift:          {lift.tracking_code}")
    free = listed[4]
    stdout.write("Debtors' requests (tracking codes, /requests/<code>/):")
    stdout.write("\n".join(lines))
    stdout.write(
        f"Try the debtor's journey at /status/ with case number {free.case_number} and ID number "
        f"{free.debtor.id_number} (a demo identity)."
    )
