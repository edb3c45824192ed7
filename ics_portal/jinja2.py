"""The Jinja2 environment: project templates first, then NHS.UK frontend macros from nhsuk-frontend-jinja."""

import json
import re
import threading
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.formats import date_format
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader

from .forms import error_list, field_params


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """reverse(), memoised: a page calls it a dozen times (header, footer) with the same names."""
    key = (
        settings.ROOT_URLCONF,
        get_urlconf(),
        get_script_prefix(),
        name,
        tuple(str(a) for a in args),
        tuple(sorted((k, str(v)) for k, v in kwargs.items())),
    )
    found = _urls.get(key)
    if found is None:
        found = reverse(name, args=args or None, kwargs=kwargs or None)
        if len(_urls) < URL_CACHE_SIZE:
            _urls[key] = found
    return found


_urls: dict[tuple[Any, ...], str] = {}
URL_CACHE_SIZE = 4096


def london(value: Any, fmt: str = "j F Y") -> str:
    """Show a stored UTC datetime in Europe/London."""
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = timezone.localtime(value)
    return date_format(value, fmt)


def london_time(value: Any) -> str:
    """'11:59pm', '9am', '12:30pm': the GOV.UK/NHS style for times."""
    value = timezone.localtime(value)
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    if value.minute:
        return f"{hour}:{value.minute:02d}{suffix}"
    return f"{hour}{suffix}"


_fragments: OrderedDict[tuple[str, str], Any] = OrderedDict()
_fragments_lock = threading.Lock()
FRAGMENT_CACHE_SIZE = 512


def cached_component(macro: Any, params: dict[str, Any]) -> Any:
    """Call an NHS.UK component macro, reusing its HTML for the same params.

    The nhsuk-frontend-jinja macros are slow (the header alone takes ~2.5 ms); header, footer, skip link and cards
    get the same params on most requests, so each worker renders them once. Only for params that do not vary per
    visitor in unbounded ways (the cache keeps the latest FRAGMENT_CACHE_SIZE). Off with DEBUG, where templates
    reload.
    """
    if settings.DEBUG:
        return macro(params)
    key = (str(getattr(macro, "name", macro)), json.dumps(params, sort_keys=True, default=str))
    with _fragments_lock:
        html = _fragments.get(key)
        if html is not None:
            _fragments.move_to_end(key)
            return html
    html = macro(params)
    with _fragments_lock:
        _fragments[key] = html
        if len(_fragments) > FRAGMENT_CACHE_SIZE:
            _fragments.popitem(last=False)
    return html


def follow_panel(request: Any, target: Any) -> dict[str, Any]:
    """The follow box's state for a consultation's or an area's page (templates/notifications/_follow.html)."""
    from notifications.selectors import follow_panel as panel

    return panel(user=getattr(request, "user", None), target=target)


def outcome_panel(consultation: Any, page: Any = None) -> dict[str, Any]:
    """The published outcome for a consultation's page and feed (templates/outcomes/_outcome.html). `page`: what
    a page of many shares (the feed's FeedRequest: its `consultations` and a `panels` memo), so the first call
    reads every entry's panel at once."""
    from outcomes.selectors import outcome_panels

    if page is None:
        return outcome_panels(consultations=[consultation])[consultation.pk]
    if consultation.pk not in page.panels:
        page.panels.update(outcome_panels(consultations=[*page.consultations, consultation]))
    return page.panels[consultation.pk]  # type: ignore[no-any-return]


def work_links(request: Any) -> list[dict[str, str]]:
    """The header's links to the signed-in user's work (accounts/permissions.py)."""
    from accounts.permissions import work_links as links

    return links(user=getattr(request, "user", None))


def area_consultations(area: Any, ancestors: Any) -> Any:
    """The area page's open and forthcoming consultations (templates/engagement/includes/area_consultations.html).
    Here, where the project is composed, because governance knows nothing of consultations."""
    from engagement.selectors.consultations import consultations_for_area_page

    ids = [area.pk, *(a.pk for a in ancestors)]
    return consultations_for_area_page(area_ids=ids, now=timezone.now())


def paragraphs(text: str) -> list[str]:
    """Typed text as its paragraphs: split at blank lines, whatever the line endings (a browser sends \r\n)."""
    return [part.strip() for part in re.split(r"\n\s*\n", str(text).replace("\r\n", "\n")) if part.strip()]


def environment(**options: Any) -> Environment:
    # Django passes a FileSystemLoader over DIRS; the NHS.UK macros come after it.
    loaders = [options.pop("loader"), PackageLoader("nhsuk_frontend_jinja")]
    options["undefined"] = ChainableUndefined
    options.setdefault("extensions", []).append("jinja2.ext.do")
    env = Environment(loader=ChoiceLoader(loaders), **options)  # noqa: S701 (Django passes autoescape=True)
    env.globals.update(
        {
            "static": static,
            "url": url,
            "get_messages": get_messages,
            "service_name": settings.SERVICE_NAME,
            "field_params": field_params,
            "form_error_list": error_list,
            "cached_component": cached_component,
            "follow_panel": follow_panel,
            "outcome_panel": outcome_panel,
            "work_links": work_links,
            "area_consultations": area_consultations,
        }
    )
    env.filters.update({"london": london, "london_time": london_time, "paragraphs": paragraphs})
    return env
