"""The enforcement app's REST API (DRF): input serializer -> service -> output serializer.

The court systems' half: parties, cases, payments, transitions, the audit trail and the bulk intake of
judgments, for staff (token or session), scoped to their courts.
"""

from django.urls import path

from enforcement.api import cases, intake, parties, payments

urlpatterns = [
    path("parties/", parties.PartyCollection.as_view(), name="parties"),
    path("parties/<int:party_id>/", parties.PartyDetail.as_view(), name="party"),
    path(
        "parties/<int:party_id>/responsible-persons/",
        parties.ResponsiblePersons.as_view(),
        name="party-responsible-persons",
    ),
    path("cases/", cases.CaseCollection.as_view(), name="cases"),
    path("cases/<int:case_id>/", cases.CaseDetail.as_view(), name="case"),
    path("cases/<int:case_id>/audit/", cases.CaseAudit.as_view(), name="case-audit"),
    path("cases/<int:case_id>/payments/", payments.CasePayments.as_view(), name="case-payments"),
    *(
        path(f"cases/<int:case_id>/{name}/", view.as_view(), name=f"case-{name.replace('_', '-')}")
        for name, view in cases.TRANSITIONS.items()
    ),
    path("intake/", intake.IntakeUpload.as_view(), name="intake"),
    path("intake/<int:batch_id>/", intake.IntakeDetail.as_view(), name="intake-batch"),
]
