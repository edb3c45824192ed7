"""The function matrix pages. Reading is open to everyone; publishing a version needs `functions.publish_version`."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from governance.models import Level, System

from . import selectors
from .exports import matrix_csv, matrix_xlsx
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


def _matrix_context(request: HttpRequest) -> dict[str, Any]:
    systems = selectors.systems_with_functions()
    system = _choose_system(request, systems)
    context: dict[str, Any] = {"systems": systems, "system": system}
    if system is None:
        return context
    levels = selectors.system_levels(system=system)
    bodies = selectors.system_bodies(system=system)
    form = MatrixFilterForm(request.GET, levels=levels, bodies=bodies)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    filters = selectors.MatrixFilters(
        level=form.levels.get(data.get("level") or ""),
        relationship=data.get("relationship") or "",
        category=data.get("category") or "",
        body=form.bodies.get(data.get("body") or ""),
        q=data.get("q") or "",
    )
    functions = list(selectors.matrix_functions(system=system, filters=filters))
    params: dict[str, str] = {
        key: str(value) for key, value in request.GET.items() if value and key in {*form.fields, "system"}
    }
    params["system"] = system.slug
    context.update(
        {
            "levels": levels,
            "filter_form": form,
            "filters": filters,
            "functions": functions,
            "rows": selectors.matrix_grid(functions=functions, levels=levels),
            "query": urlencode(params),
            "unknown_system": bool(request.GET.get("system")) and request.GET.get("system") != system.slug,
        }
    )
    return context


@require_GET
def matrix(request: HttpRequest) -> HttpResponse:
    context = _matrix_context(request)
    context["has_errors"] = bool(context.get("filter_form") and context["filter_form"].errors)
    return render(request, "functions/matrix.html", context)


@require_GET
def matrix_download(request: HttpRequest, fmt: str) -> HttpResponse:
    context = _matrix_context(request)
    system = context["system"]
    if system is None:
        raise Http404("There is no function matrix yet.")
    stamp = timezone.localdate().isoformat()
    name = f"function-matrix-{system.slug}-{stamp}"
    if fmt == "csv":
        response = HttpResponse(matrix_csv(context["functions"]), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            matrix_xlsx(context["functions"]),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_GET
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
        },
    )


@require_GET
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
        },
    )


def _system_or_404(slug: str) -> System:
    return get_object_or_404(System, slug=slug)


def _can_publish(request: HttpRequest) -> bool:
    return request.user.has_perm("functions.publish_version")


@require_GET
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


@require_GET
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


@require_GET
def consistency(request: HttpRequest, system_slug: str) -> HttpResponse:
    system = _system_or_404(system_slug)
    problems = selectors.matrix_problems(system=system)
    groups = [
        (kind, heading, [p for p in problems if p.kind == kind]) for kind, heading in selectors.PROBLEM_KINDS.items()
    ]
    return render(request, "functions/consistency.html", {"system": system, "groups": groups, "problems": problems})
