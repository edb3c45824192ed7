from django.urls import path

from . import views

app_name = "functions"

urlpatterns = [path("functions/", views.matrix, name="matrix")]
