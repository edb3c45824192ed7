"""Residents' responding flow."""

urlpatterns: list = []
