from django.urls import path

from . import views, views_themes

app_name = "reporting"

urlpatterns = [
    path("pmo/", views.index, name="index"),
    path("pmo/export-log/", views.export_log, name="export_log"),
    path("pmo/consultations/<slug:slug>/", views.summary, name="summary"),
    path("pmo/consultations/<slug:slug>/questions/<int:question>/", views.question_answers, name="answers"),
    path("pmo/consultations/<slug:slug>/export/", views.export, name="export"),
    path("pmo/exports/<int:pk>/", views.export_job, name="export_job"),
    path("pmo/exports/<int:pk>/download/", views.export_job_download, name="export_job_download"),
    path("pmo/consultations/<slug:slug>/themes/", views_themes.codebook, name="themes"),
    path("pmo/consultations/<slug:slug>/themes/<int:pk>/", views_themes.theme_edit, name="theme_edit"),
    path("pmo/consultations/<slug:slug>/themes/<int:pk>/merge/", views_themes.theme_merge, name="theme_merge"),
    path("pmo/consultations/<slug:slug>/themes/<int:pk>/delete/", views_themes.theme_delete, name="theme_delete"),
    path("pmo/consultations/<slug:slug>/themes/suggest/", views_themes.suggest, name="suggest"),
    path("pmo/consultations/<slug:slug>/themes/suggestions/<int:pk>/", views_themes.suggestions, name="suggestions"),
    path(
        "pmo/consultations/<slug:slug>/themes/suggestions/<int:pk>/<int:number>/",
        views_themes.suggestion_decide,
        name="suggestion_decide",
    ),
    path("pmo/consultations/<slug:slug>/questions/<int:question>/tag/", views_themes.tag, name="tag"),
    path("pmo/consultations/<slug:slug>/themes/answers/<int:answer>/", views_themes.similar, name="similar"),
]
