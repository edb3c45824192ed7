from django.urls import path, re_path

from . import views

app_name = "functions"

urlpatterns = [
    path("functions/", views.matrix, name="matrix"),
    re_path(r"^functions/download\.(?P<fmt>csv|xlsx)$", views.matrix_download, name="download"),
    path("functions/<int:pk>/", views.function_detail, name="function_detail"),
    path("functions/levels/<slug:system_slug>/<slug:level_slug>/", views.level_detail, name="level_detail"),
    path("functions/versions/<slug:system_slug>/", views.version_list, name="version_list"),
    path("functions/versions/<slug:system_slug>/publish/", views.version_publish_view, name="version_publish"),
    path("functions/versions/<slug:system_slug>/compare/", views.version_diff, name="version_diff"),
    path("functions/check/<slug:system_slug>/", views.consistency, name="consistency"),
]
