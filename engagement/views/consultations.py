from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def consultation_list(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/placeholder.html", {"heading": "Consultations"})


def consultation_feed(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/placeholder.html", {"heading": "Consultations feed"})
