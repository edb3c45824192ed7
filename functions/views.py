from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def matrix(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/placeholder.html", {"heading": "Function matrix"})
