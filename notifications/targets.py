"""What may be followed: each app registers its followable models in its `AppConfig.ready()` (engagement a
consultation, governance an area), so notifications imports neither.

A target says which objects may be followed now (`followable()`: a published consultation, not a draft), how to
name one in a sentence and where its page is.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models


@dataclass(frozen=True)
class Target:
    model: type[models.Model]
    followable: "Callable[[], models.QuerySet[Any]]"
    title: Callable[[Any], str]
    url: Callable[[Any], str]
    noun: str  # "consultation", "area"
    # What a follower of this one will hear, after "Follow this <noun> to": what the follow box and its confirmation
    # promise.
    promise: Callable[[Any], str]


_registry: dict[str, Target] = {}


def register(target: Target) -> Target:
    _registry[target.model._meta.label_lower] = target
    return target


def key(obj: models.Model) -> str:
    """'engagement.consultation:12': how a form names what it follows."""
    return f"{obj._meta.label_lower}:{obj.pk}"


def for_model(model: type[models.Model]) -> Target:
    return _registry[model._meta.label_lower]


def resolve(value: str) -> tuple[Target, models.Model] | None:
    """The target and the object a posted `key` names, if it is registered and followable now; else None."""
    label, _, pk = str(value).partition(":")
    target = _registry.get(label)
    if target is None or not pk.isdigit() or len(pk) > 18:
        return None
    obj = target.followable().filter(pk=int(pk)).first()
    return None if obj is None else (target, obj)


def content_type(obj: models.Model) -> ContentType:
    return ContentType.objects.get_for_model(obj)
