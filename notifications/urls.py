from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("staff/outbox/", views.outbox, name="outbox"),
    path("staff/outbox/<int:pk>/send-again/", views.outbox_send_again, name="send_again"),
]
