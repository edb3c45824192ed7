from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("account/", views.account_home, name="home"),
    path("staff/", views.staff_home, name="staff"),
]
