from django.urls import path

from appeals import views

app_name = "appeals"

urlpatterns = [
    path("status/", views.status_check, name="status"),
    path("status/my-case/", views.my_case, name="my_case"),
    path("status/forget/", views.forget, name="forget"),
    path("status/certificate/", views.certificate, name="certificate"),
    path("requests/new/", views.file_request, name="file"),
    path("requests/track/", views.track_lookup, name="track_lookup"),
    path("requests/<str:code>/", views.track, name="track"),
    path("requests/<str:code>/receipt/", views.receipt, name="receipt"),
    path("requests/<str:code>/reconsider/", views.reconsider, name="reconsider"),
    path("requests/<str:code>/withdraw/", views.withdraw, name="withdraw"),
    path("certificates/verify/", views.verify, name="verify"),
]
