from django.urls import path

from . import views

app_name = "engagement"

urlpatterns = [
    path("consultations/", views.consultation_list, name="consultation_list"),
    path("consultations/feed/", views.consultation_feed, name="consultation_feed"),
]
