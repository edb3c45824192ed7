from django.apps import AppConfig


class RetentionConfig(AppConfig):
    """Removing respondents' personal data once a consultation's retention period has passed. Its own small app
    because it reaches across engagement (responses, held equality answers) and notifications (outbox, follows)
    and belongs to neither; it has no models (what was purged is read from the data itself)."""

    name = "retention"
    verbose_name = "Retention of personal data"
