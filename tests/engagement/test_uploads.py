"""Uploaded documents: a zip bomb is refused while it is read (memory stays small), whatever sizes it declares, and a
document carrying macros is refused; each with a plain message, storing nothing."""

import io
import struct
import tracemalloc
import zipfile
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from engagement.models import Document
from engagement.services.consultations import MAX_UNZIPPED_SIZE
from tests.engagement.factories import ConsultationFactory

pytestmark = pytest.mark.django_db

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
DOCX_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
MACRO_DOCX_TYPES = DOCX_TYPES.replace(
    b"officedocument.wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
)
MB = 1024 * 1024
BOMB_SIZE = 512 * MB


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _docx(**extra: bytes) -> dict[str, bytes]:
    return {"[Content_Types].xml": DOCX_TYPES, "word/document.xml": b"<w:document/>", **extra}


@pytest.fixture(scope="module", params=["mimetype", "content.xml"])
def odt_bomb(request: pytest.FixtureRequest) -> bytes:
    """A 0.5 MB ODT one of whose entries (the `mimetype` read to check the type, or the content) inflates to
    512 MB; built a megabyte at a time."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if request.param != "mimetype":
            archive.writestr("mimetype", ODT_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        with archive.open(request.param, "w") as entry:
            entry.write(ODT_MIMETYPE if request.param == "mimetype" else b"<office:document>")
            chunk = b"\0" * MB
            for _ in range(BOMB_SIZE // MB):
                entry.write(chunk)
    return buffer.getvalue()


def _lie_about_sizes(data: bytes, declared: int) -> bytes:
    """Rewrite every entry's uncompressed size (local header and central directory) to `declared`."""
    patched = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := patched.find(signature, start)) != -1:
            patched[start + offset : start + offset + 4] = struct.pack("<I", declared)
            start += 4
    return bytes(patched)


def _upload(client: Any, consultation: Any, name: str, content: bytes) -> Any:
    return client.post(
        reverse("engagement:manage_document_add", args=[consultation.slug]),
        {"title": "Draft plan", "file": SimpleUploadedFile(name, content)},
    )


@pytest.fixture
def manager_client(client, areas, scoped_manager, settings, tmp_path) -> Any:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    client.force_login(scoped_manager)
    client.consultation = ConsultationFactory(owner_area=areas["a"][1])
    return client


def _upload_measuring_peak(client: Any, name: str, content: bytes) -> tuple[Any, int]:
    """The response and the peak memory Python allocated while the upload was handled."""
    tracemalloc.start()
    try:
        response = _upload(client, client.consultation, name, content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return response, peak


def _nothing_stored(media_root: Path) -> bool:
    return not Document.objects.exists() and not any(p.is_file() for p in Path(media_root).rglob("*"))


def test_an_odt_that_inflates_to_512mb_is_refused_with_little_memory(manager_client, odt_bomb, settings) -> None:  # type: ignore[no-untyped-def]
    assert len(odt_bomb) < MB
    response, peak = _upload_measuring_peak(manager_client, "plan.odt", odt_bomb)
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert f"The file unpacks to more than {MAX_UNZIPPED_SIZE // MB}MB" in page
    assert peak < 32 * MB, f"peak {peak / MB:.0f} MB"
    assert _nothing_stored(settings.MEDIA_ROOT)


def test_a_bomb_declaring_small_sizes_is_refused_with_little_memory(manager_client, odt_bomb, settings) -> None:  # type: ignore[no-untyped-def]
    """The declared sizes say 1 KB; reading is capped whatever they say."""
    response, peak = _upload_measuring_peak(manager_client, "plan.odt", _lie_about_sizes(odt_bomb, 1024))
    assert response.status_code == HTTPStatus.OK
    assert "content is not a OpenDocument text (ODT) document." in response.content.decode()
    assert peak < 32 * MB, f"peak {peak / MB:.0f} MB"
    assert _nothing_stored(settings.MEDIA_ROOT)


def test_entries_declaring_more_than_the_cap_in_all_are_refused(manager_client, settings) -> None:  # type: ignore[no-untyped-def]
    small = _zip(_docx())
    huge = _lie_about_sizes(small, MAX_UNZIPPED_SIZE)  # two entries declaring the cap each
    response = _upload(manager_client, manager_client.consultation, "plan.docx", huge)
    assert f"The file unpacks to more than {MAX_UNZIPPED_SIZE // MB}MB" in response.content.decode()
    assert _nothing_stored(settings.MEDIA_ROOT)


MACRO_MESSAGE = "The file contains macros"


@pytest.mark.parametrize(
    ("name", "entries"),
    [
        ("plan.docx", _docx(**{"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})),
        ("plan.docx", _docx(**{"customUI/VBAPROJECT.BIN": b"\xd0\xcf\x11\xe0macro"})),  # anywhere, any case
        ("plan.docx", {**_docx(), "[Content_Types].xml": MACRO_DOCX_TYPES}),  # a macro-enabled main part
        ("plan.odt", {"mimetype": ODT_MIMETYPE, "content.xml": b"<office/>", "Basic/Standard/Module1.xml": b"<s/>"}),
    ],
)
def test_documents_carrying_macros_are_refused(manager_client, settings, name, entries) -> None:  # type: ignore[no-untyped-def]
    response = _upload(manager_client, manager_client.consultation, name, _zip(entries))
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert MACRO_MESSAGE in page
    assert "without macros" in page
    assert _nothing_stored(settings.MEDIA_ROOT)


def test_a_corrupt_compressed_entry_is_refused_not_a_server_error(manager_client, settings) -> None:  # type: ignore[no-untyped-def]
    styles = "".join(f'<w:style w:styleId="s{i * 7919 % 10007}"/>' for i in range(2000)).encode()
    data = bytearray(_zip(_docx(**{"word/styles.xml": styles})))
    start = data.find(b"word/styles.xml") + len(b"word/styles.xml")
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("word/styles.xml").compress_size > 1000
    data[start + 100 : start + 150] = b"\xff" * 50  # garbage inside the deflate stream
    response = _upload(manager_client, manager_client.consultation, "plan.docx", bytes(data))
    assert response.status_code == HTTPStatus.OK
    assert "not a Word (DOCX) document" in response.content.decode()
    assert _nothing_stored(settings.MEDIA_ROOT)


def test_an_ordinary_docx_with_pictures_is_still_accepted(manager_client, settings) -> None:  # type: ignore[no-untyped-def]
    entries = _docx(**{"word/media/image1.png": bytes(range(256)) * 4000, "word/styles.xml": b"<w:styles/>"})
    response = _upload(manager_client, manager_client.consultation, "plan.docx", _zip(entries))
    assert response.status_code == HTTPStatus.FOUND
    assert Document.objects.get().file_type == "docx"
