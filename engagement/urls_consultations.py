"""Public consultation pages and the consultation managers' pages."""

from django.urls import path, re_path

from .views import consultations, manage

M = "manage/consultations/<slug:slug>/"

urlpatterns = [
    path("consultations/", consultations.consultation_list, name="consultation_list"),
    path("consultations/feed/", consultations.consultation_feed, name="consultation_feed"),
    # Not "feed" or "my-responses" (the respond flow's page): those words are reserved slugs.
    re_path(
        r"^consultations/(?!(?:feed|my-responses)/)(?P<slug>[-a-zA-Z0-9_]+)/$",
        consultations.consultation_detail,
        name="consultation_detail",
    ),
    path(
        "consultations/<slug:slug>/documents/<int:pk>/",
        consultations.document_download,
        name="consultation_document",
    ),
    # Consultation managers
    path("manage/consultations/", manage.manage_list, name="manage_list"),
    path("manage/consultations/new/", manage.consultation_create, name="manage_create"),
    path(M, manage.consultation_manage, name="manage_consultation"),
    path(M + "edit/", manage.consultation_edit, name="manage_edit"),
    path(M + "preview/", manage.consultation_preview, name="manage_preview"),
    path(M + "preview/page/<int:number>/", manage.preview_page, name="manage_preview_page"),
    path(M + "preview/check/", manage.preview_check, name="manage_preview_check"),
    path(M + "publish/", manage.consultation_publish, name="manage_publish"),
    path(M + "unpublish/", manage.consultation_unpublish, name="manage_unpublish"),
    # M + "outcome/": the outcomes app ("you said, we did").
    path(M + "close/", manage.consultation_close, name="manage_close"),
    path(M + "suspected/", manage.suspected_list, name="manage_suspected"),
    path(M + "emails/", manage.consultation_emails, name="manage_emails"),
    path(M + "suspected/<str:reference>/release/", manage.suspected_release, name="manage_suspected_release"),
    path(M + "sections/new/", manage.section_form, name="manage_section_add"),
    path(M + "sections/order/", manage.sections_reorder, name="manage_sections_reorder"),
    path(M + "sections/<int:pk>/edit/", manage.section_form, name="manage_section_edit"),
    path(M + "sections/<int:pk>/delete/", manage.section_delete, name="manage_section_delete"),
    path(M + "questions/new/", manage.question_form, name="manage_question_add"),
    path(M + "questions/order/", manage.questions_reorder, name="manage_questions_reorder"),
    path(M + "questions/<int:pk>/edit/", manage.question_form, name="manage_question_edit"),
    path(M + "questions/<int:pk>/delete/", manage.question_delete, name="manage_question_delete"),
    path(M + "invitees/", manage.invitees, name="manage_invitees"),
    path(M + "invitees/<int:pk>/remove/", manage.invitee_remove, name="manage_invitee_remove"),
    path(M + "documents/new/", manage.document_add, name="manage_document_add"),
    path(M + "documents/<int:pk>/delete/", manage.document_delete, name="manage_document_delete"),
]
