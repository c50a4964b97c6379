from django.urls import path

from listings import views

app_name = "listings"

urlpatterns = [
    path("", views.home, name="home"),
    path("entries/<int:pk>/", views.entry, name="entry"),
    path("statistics/", views.statistics, name="statistics"),
    path("open-data/", views.open_data, name="open_data"),
    path("open-data/dishonest-debtors.<str:fmt>", views.open_data_file, name="open_data_file"),
]
