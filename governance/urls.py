from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [path("ics/", views.system_list, name="system_list")]
