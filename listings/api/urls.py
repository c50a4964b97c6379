"""The listings app's REST API under /api/v1/: carriers' checks and change feed, and the public list as JSON."""

from django.urls import path

from listings.api import carriers, public

urlpatterns = [
    path("checks/", carriers.check, name="carrier-check"),  # CheckView, with a fast path for the well-formed
    path("checks/batch/", carriers.BatchCheckView.as_view(), name="carrier-check-batch"),
    path("changes/", carriers.ChangesView.as_view(), name="changes"),
    path("listings/", public.ListingListView.as_view(), name="listing-list"),
    # Any segment: a malformed or negative id is answered by the API (a JSON 404), not by the site's HTML 404.
    path("listings/<str:pk>/", public.ListingDetailView.as_view(), name="listing-detail"),
]
