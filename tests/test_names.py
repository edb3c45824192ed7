"""The repeated-name check can fail: it catches the repeats the issue names, and passes honest labels."""

from tests.names import repeated_in_text, repeated_names


def test_catches_a_name_shown_twice() -> None:
    assert repeated_in_text("North Central London (NCL, NCL)") == "ncl"
    assert repeated_in_text("Camden (Borough Partnership, borough partnership)") == "borough partnership"
    problems = repeated_names(breadcrumbs=["Home", "Consultations", "Consultations"], labels=[])
    assert problems == ["breadcrumb item 'consultations' appears twice in ['Home', 'Consultations', 'Consultations']"]


def test_passes_labels_that_name_each_thing_once() -> None:
    assert repeated_in_text("Camden (Borough Partnership, NCL)") is None
    assert repeated_in_text("North Central London (NCL-wide)") is None
    assert repeated_in_text("City and Hackney (Local system, NEL)") is None
    assert repeated_names(breadcrumbs=["Home", "ICS structure", "North Central London", "Camden"], labels=[]) == []
