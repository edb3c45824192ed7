"""Residents' responding flow: /consultations/<slug>/respond/... and /consultations/my-responses/."""

from django.urls import path

from .views import respond

urlpatterns = [
    path("consultations/my-responses/", respond.my_responses, name="my_responses"),
    path("consultations/my-responses/<str:reference>/", respond.my_response, name="my_response"),
    path("consultations/<slug:slug>/respond/", respond.respond_start, name="respond_start"),
    path("consultations/<slug:slug>/respond/page/<int:number>/", respond.respond_page, name="respond_page"),
    path("consultations/<slug:slug>/respond/about-you/", respond.respond_about_you, name="respond_about_you"),
    path("consultations/<slug:slug>/respond/equality/", respond.respond_equality, name="respond_equality"),
    path("consultations/<slug:slug>/respond/check/", respond.respond_check, name="respond_check"),
    path("consultations/<slug:slug>/respond/submit/", respond.respond_submit, name="respond_submit"),
    path("consultations/<slug:slug>/respond/done/<str:reference>/", respond.respond_done, name="respond_done"),
    path("consultations/<slug:slug>/respond/save/", respond.respond_save, name="respond_save"),
    path("consultations/<slug:slug>/respond/resume/<str:token>/", respond.respond_resume, name="respond_resume"),
    path("consultations/<slug:slug>/respond/change/<str:token>/", respond.respond_change, name="respond_change"),
    path(
        "consultations/<slug:slug>/respond/cancel-changes/",
        respond.respond_change_cancel,
        name="respond_change_cancel",
    ),
]
