from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("manage/consultations/<slug:slug>/outcome/", views.outcome_edit, name="edit"),
    path("manage/consultations/<slug:slug>/outcome/withdraw/", views.outcome_withdraw, name="withdraw"),
]
