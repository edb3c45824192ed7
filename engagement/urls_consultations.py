"""Public consultation pages and the consultation managers' pages."""

from django.urls import path

from .views import consultations

urlpatterns = [
    path("consultations/", consultations.consultation_list, name="consultation_list"),
    path("consultations/feed/", consultations.consultation_feed, name="consultation_feed"),
    path("consultations/<slug:slug>/", consultations.consultation_detail, name="consultation_detail"),
]
