"""The function matrix pages. Reading is open to everyone; publishing a version needs `functions.publish_version`."""

import hashlib
import threading
import time
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from governance.models import Level, System

from . import selectors
from .exports import matrix_csv, matrix_download_name, matrix_xlsx
from .forms import DiffForm, MatrixFilterForm, PublishVersionForm
from .models import MatrixVersion
from .services import VersionNameTakenError, version_publish


def _choose_system(request: HttpRequest, systems: list[System]) -> System | None:
    slug = request.GET.get("system", "")
    for system in systems:
        if system.slug == slug:
            return system
    # Unknown or missing: the first system with functions (an unknown slug is said on the page).
    return systems[0] if systems else None


def _with_urls(rows: list[selectors.GridRow]) -> list[selectors.GridRow]:
    # One reverse() for all rows: a thousand of them cost a quarter of a second.
    pattern = reverse("functions:function_detail", args=[987654321])
    for row in rows:
        row.function.url = pattern.replace("987654321", str(row.function.pk))
    return rows


def _matrix_context(request: HttpRequest, *, for_download: bool = False) -> dict[str, Any]:
    systems = selectors.systems_with_functions()
    system = _choose_system(request, systems)
    context: dict[str, Any] = {"systems": systems, "system": system}
    if system is None:
        return context
    levels = selectors.system_levels(system=system)
    bodies = selectors.system_bodies(system=system)
    categories = selectors.system_categories(system=system)
    form = MatrixFilterForm(request.GET, levels=levels, bodies=bodies, categories=categories)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    filters = selectors.MatrixFilters(
        level=form.levels.get(data.get("level") or ""),
        relationship=data.get("relationship") or "",
        category=data.get("category") or "",
        body=form.bodies.get(data.get("body") or ""),
        q=data.get("q") or "",
    )
    params: dict[str, str] = {
        key: str(value) for key, value in request.GET.items() if value and key in {*form.fields, "system"}
    }
    params["system"] = system.slug
    view = VIEW_BY_LEVEL if request.GET.get("view") == VIEW_BY_LEVEL else ""
    context.update(
        {
            "view": view,
            "levels": levels,
            "filter_form": form,
            "filters": filters,
            "functions": list(selectors.matrix_functions(system=system, filters=filters)) if for_download else [],
            "rows": []
            if for_download
            else _with_urls(selectors.matrix_grid_rows(system=system, filters=filters, levels=levels, bodies=bodies)),
            "query": urlencode(params),
            # The other view of the same filters, and this view without them.
            "other_view_query": urlencode({**params, **({} if view else {"view": VIEW_BY_LEVEL})}),
            "clear_query": urlencode({"system": system.slug, **({"view": view} if view else {})}),
            "unknown_system": bool(request.GET.get("system")) and request.GET.get("system") != system.slug,
        }
    )
    return context


GRID_CACHE_SIZE = 32  # rendered grids kept per worker process (the 1,000-function grid is about 1 MB)
GRID_PARAMS = ("system", "q", "level", "relationship", "category", "body", "view")
VIEW_BY_LEVEL = "levels"  # ?view=levels: the by-level grid; the default is the seed's table


# Per process, not Redis: the key holds the revision, so each worker's copy is exactly as fresh as a shared one,
# and a dictionary lookup costs nothing next to a network round trip and unpickling ~40 KB.
_grid_cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
_grid_cache_lock = threading.Lock()


def _grid_cache_get(key: str) -> dict[str, Any] | None:
    with _grid_cache_lock:
        payload = _grid_cache.get(key)
        if payload is not None:
            _grid_cache.move_to_end(key)
        return payload


def _grid_cache_set(key: str, payload: dict[str, Any]) -> None:
    with _grid_cache_lock:
        _grid_cache[key] = payload
        while len(_grid_cache) > GRID_CACHE_SIZE:
            _grid_cache.popitem(last=False)


_revision_state: dict[str, Any] = {"checked": -1e9, "value": None}


def _current_revision() -> int | None:
    """The matrix revision, asked of the database at most once every FUNCTIONS_REVISION_SECONDS (default 1 s) per
    worker: a cached grid then costs no query at all (with CONN_MAX_AGE 0 a query means a new connection). An edit
    shows on the grid within that time; 0 asks on every request (the tests do)."""
    ttl = float(getattr(settings, "FUNCTIONS_REVISION_SECONDS", 1.0))
    now = time.monotonic()
    with _grid_cache_lock:
        if ttl > 0 and now - _revision_state["checked"] < ttl and _revision_state["value"] is not None:
            return int(_revision_state["value"])
    value = selectors.matrix_revision()
    with _grid_cache_lock:
        _revision_state.update(checked=now, value=value)
    return value


def _grid_cache_key(request: HttpRequest, revision: int) -> str:
    """The grid is the same for every visitor: key it on the revision and a hash of the filter parameters."""
    raw = "&".join(f"{name}={request.GET.get(name, '')}" for name in GRID_PARAMS)
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return f"functions:grid:{revision}:{digest}"


@require_safe
def matrix(request: HttpRequest) -> HttpResponse:
    """The grid. Its HTML (everything in the main column) is cached per worker until the matrix changes: a
    database trigger bumps the revision on any write (see _current_revision for how often it is read)."""
    revision = _current_revision()
    key = _grid_cache_key(request, revision) if revision is not None else None
    payload = _grid_cache_get(key) if key else None
    if payload is None:
        context = _matrix_context(request)
        has_errors = bool(context.get("filter_form") and context["filter_form"].errors)
        system = context["system"]
        payload = {
            "main": render_to_string("functions/_matrix_main.html", {**context, "has_errors": has_errors}, request),
            "has_errors": has_errors,
            "system_name": system.name if system else "",
        }
        if key:
            _grid_cache_set(key, payload)
    return render(request, "functions/matrix.html", payload)


@require_safe
def matrix_download(request: HttpRequest, fmt: str) -> HttpResponse:
    context = _matrix_context(request, for_download=True)
    system = context["system"]
    if system is None:
        raise Http404("There is no function matrix yet.")
    name = matrix_download_name(system=system, filters=context["filters"], today=timezone.localdate())
    if fmt == "csv":
        response = HttpResponse(matrix_csv(context["functions"]), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            matrix_xlsx(context["functions"]),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_safe
def function_detail(request: HttpRequest, pk: int) -> HttpResponse:
    function = selectors.function_detail(pk=pk)
    if function is None:
        raise Http404("No such function.")
    levels = selectors.system_levels(system=function.system)
    row = selectors.matrix_grid(functions=[function], levels=levels)[0]
    return render(
        request,
        "functions/function_detail.html",
        {
            "function": function,
            "levels": levels,
            "row": row,
            "links": list(function.links.all()),
            "history": selectors.function_history(function=function),
            "show_editors": request.user.has_perm("functions.view_editors"),
        },
    )


@require_safe
def level_detail(request: HttpRequest, system_slug: str, level_slug: str) -> HttpResponse:
    level = get_object_or_404(Level.objects.select_related("system"), system__slug=system_slug, slug=level_slug)
    return render(
        request,
        "functions/level_detail.html",
        {
            "level": level,
            "system": level.system,
            "levels": selectors.system_levels(system=level.system),
            "level_functions": selectors.functions_for_level(level=level),
            # No functions loaded for its system (NEL today): no link to a grid that would show another system.
            "has_matrix": level.system in selectors.systems_with_functions(),
        },
    )


def _system_or_404(slug: str) -> System:
    return get_object_or_404(System, slug=slug)


def _can_publish(request: HttpRequest) -> bool:
    return request.user.has_perm("functions.publish_version")


@require_safe
def version_list(request: HttpRequest, system_slug: str) -> HttpResponse:
    system = _system_or_404(system_slug)
    versions = selectors.versions_for(system=system)
    return render(
        request,
        "functions/version_list.html",
        {
            "system": system,
            "versions": versions,
            "can_publish": _can_publish(request),
            "publish_form": PublishVersionForm(),
            "diff_form": DiffForm(versions=versions) if versions else None,
        },
    )


@require_POST
def version_publish_view(request: HttpRequest, system_slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not _can_publish(request):
        raise PermissionDenied("Only staff with permission may publish a version of the matrix.")
    system = _system_or_404(system_slug)
    form = PublishVersionForm(request.POST)
    if form.is_valid():
        try:
            version = version_publish(
                system=system, name=form.cleaned_data["name"], by=request.user, now=timezone.now()
            )
        except VersionNameTakenError as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, f"Published the version '{version.name}'.")
            return redirect("functions:version_list", system.slug)
    versions = selectors.versions_for(system=system)
    return render(
        request,
        "functions/version_list.html",
        {
            "system": system,
            "versions": versions,
            "can_publish": True,
            "publish_form": form,
            "form": form,
            "diff_form": DiffForm(versions=versions) if versions else None,
        },
        status=400,
    )


@require_safe
def version_diff(request: HttpRequest, system_slug: str) -> HttpResponse:
    system = _system_or_404(system_slug)
    versions = selectors.versions_for(system=system)
    form = DiffForm(request.GET or None, versions=versions)
    context: dict[str, Any] = {"system": system, "versions": versions, "diff_form": form, "form": form}
    if form.is_bound and form.is_valid():
        by_id = {str(v.pk): v for v in versions}
        old: MatrixVersion = by_id[form.cleaned_data["old"]]
        if form.cleaned_data["new"] == "current":
            new_name = "the matrix as it is now"
            new_data = selectors.matrix_snapshot(system=system, functions=selectors.matrix_functions(system=system))
        else:
            new_name = by_id[form.cleaned_data["new"]].name
            new_data = by_id[form.cleaned_data["new"]].data
        context.update(
            {"old_name": old.name, "new_name": new_name, "diff": selectors.version_diff(old=old.data, new=new_data)}
        )
    return render(request, "functions/version_diff.html", context)


@require_safe
def consistency(request: HttpRequest, system_slug: str) -> HttpResponse:
    system = _system_or_404(system_slug)
    problems = selectors.matrix_problems(system=system)
    groups = [
        (kind, heading, [p for p in problems if p.kind == kind]) for kind, heading in selectors.PROBLEM_KINDS.items()
    ]
    # A system with no functions loaded has nothing to be consistent: the report says so, not "no problems".
    empty = not selectors.matrix_functions(system=system).exists()
    return render(
        request,
        "functions/consistency.html",
        {"system": system, "groups": groups, "problems": problems, "empty": empty},
    )
