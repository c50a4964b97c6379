"""The application's URLs plus the floor: a bare Django view returning a constant JSON."""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as application

ANSWER = {"restricted": False, "category": "air_travel", "orders": [], "checked_at": "2026-11-20T12:00:00+08:00"}


@csrf_exempt
def constant(request):
    return JsonResponse(ANSWER)


urlpatterns = [path("bench/constant/", constant), *application]
