from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("pmo/", views.index, name="index"),
    path("pmo/export-log/", views.export_log, name="export_log"),
    path("pmo/consultations/<slug:slug>/", views.summary, name="summary"),
    path("pmo/consultations/<slug:slug>/questions/<int:question>/", views.question_answers, name="answers"),
    path("pmo/consultations/<slug:slug>/export/", views.export, name="export"),
    path("pmo/exports/<int:pk>/", views.export_job, name="export_job"),
    path("pmo/exports/<int:pk>/download/", views.export_job_download, name="export_job_download"),
]
