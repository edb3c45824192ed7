"""ICS structure pages: thin views over governance.selectors; everything works without JavaScript."""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from functions.selectors import functions_for_level

from . import exports, selectors
from .forms import SearchForm
from .models import System


def _can_view_history(request: HttpRequest) -> bool:
    return bool(request.user.has_perm("governance.view_history"))


def system_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "governance/system_list.html", {"systems": selectors.system_list(), "search_form": SearchForm()}
    )


def system_detail(request: HttpRequest, system: str) -> HttpResponse:
    obj = get_object_or_404(System, slug=system)
    page = selectors.system_page(system=obj)
    return render(request, "governance/system_detail.html", {"page": page, "system": obj})


def hierarchy_download(request: HttpRequest, system: str, fmt: str) -> HttpResponse:
    obj = get_object_or_404(System, slug=system)
    filename = f"{obj.slug}-hierarchy.{fmt}"
    if fmt == "json":
        response = HttpResponse(
            json.dumps(exports.hierarchy_json(obj), indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        exports.write_csv(response, obj)  # type: ignore[arg-type]
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def area_detail(request: HttpRequest, system: str, area: str) -> HttpResponse:
    obj = get_object_or_404(System, slug=system)
    page = selectors.area_page(system=obj, slug=area)
    if page is None:
        raise Http404("No such area")
    return render(
        request,
        "governance/area_detail.html",
        {
            "page": page,
            "area": page.area,
            "system": obj,
            "can_view_history": _can_view_history(request),
            # The functions app's section (functions/includes/level_functions.html): one query.
            "level_functions": functions_for_level(level=page.area.level),
        },
    )


def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.organisation_page(pk=pk)
    if page is None:
        raise Http404("No such organisation")
    return render(
        request,
        "governance/organisation_detail.html",
        {"page": page, "organisation": page.organisation, "can_view_history": _can_view_history(request)},
    )


def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        results = selectors.search(query=form.cleaned_data["q"])
    return render(request, "governance/search.html", {"form": form, "search_form": form, "results": results})


@login_required
def history(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if not _can_view_history(request):
        raise PermissionDenied("Only staff can see the change history.")
    found = selectors.history_page(kind=kind, pk=pk)
    if found is None:
        raise Http404("No such record")
    obj, entries = found
    return render(request, "governance/history.html", {"obj": obj, "kind": kind, "entries": entries})
