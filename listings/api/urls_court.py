"""The court systems' listing actions (see `listings.api.court`)."""

from django.urls import path

from listings.api import court

urlpatterns = [
    path("cases/<int:pk>/restriction-orders/", court.OrderPropose.as_view(), name="restriction-order-propose"),
    path("restriction-orders/<int:pk>/", court.OrderDetail.as_view(), name="restriction-order"),
    path("restriction-orders/<int:pk>/approve/", court.OrderApprove.as_view(), name="restriction-order-approve"),
    path("restriction-orders/<int:pk>/reject/", court.OrderReject.as_view(), name="restriction-order-reject"),
    path("restriction-orders/<int:pk>/lift/", court.OrderLift.as_view(), name="restriction-order-lift"),
    path(
        "restriction-orders/<int:pk>/temporary-lifts/",
        court.TemporaryLiftGrant.as_view(),
        name="restriction-order-temporary-lift",
    ),
    path("cases/<int:pk>/listing-decisions/", court.ListingPropose.as_view(), name="listing-decision-propose"),
    path("listing-decisions/<int:pk>/", court.ListingDetail.as_view(), name="listing-decision"),
    path("listing-decisions/<int:pk>/approve/", court.ListingApprove.as_view(), name="listing-decision-approve"),
    path("listing-decisions/<int:pk>/reject/", court.ListingReject.as_view(), name="listing-decision-reject"),
    path("listing-decisions/<int:pk>/revoke/", court.ListingRevoke.as_view(), name="listing-decision-revoke"),
    path("listing-decisions/<int:pk>/expire/", court.ListingExpire.as_view(), name="listing-decision-expire"),
]
