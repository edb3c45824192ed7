from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def system_list(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/placeholder.html", {"heading": "ICS structure"})
