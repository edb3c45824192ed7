from django.urls import path

from . import views

app_name = "governance"

# Fixed paths come before <system>/; models.RESERVED_SYSTEM_SLUGS keeps systems off them (a DB constraint).
urlpatterns = [
    path("ics/", views.system_list, name="system_list"),
    path("ics/search/", views.search, name="search"),
    path("ics/organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("ics/history/<str:kind>/<int:pk>/", views.history, name="history"),
    path("ics/<slug:system>/", views.system_detail, name="system_detail"),
    path("ics/<slug:system>/hierarchy.csv", views.hierarchy_download, {"fmt": "csv"}, name="hierarchy_csv"),
    path("ics/<slug:system>/hierarchy.json", views.hierarchy_download, {"fmt": "json"}, name="hierarchy_json"),
    path("ics/<slug:system>/<slug:area>/", views.area_detail, name="area_detail"),
]
