"""The public list's pages. Every page gets its data from `listings.selectors`, the one rule of what is public."""

from django.shortcuts import render


def home(request):
    return render(request, "listings/home.html", {})
