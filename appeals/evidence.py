"""Evidence files: checked by their content, not their name, and stored privately.

A file is accepted only if its first bytes are those of a PDF, a JPEG or a PNG *and* the matching parser reads
it (pypdf opens the PDF and counts its pages; Pillow's `verify()` checks the image). A renamed executable, a
truncated image or a file whose name lies about its type is refused with a message that says why.

Files are written under settings.EVIDENCE_ROOT (outside MEDIA_ROOT and the static files, so no web server serves
them) under a random name with owner-only permissions; only `appeals.admin` reads them back.
"""

import hashlib
import io
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PdfReader

from enforcement.errors import InvalidInput

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
MAGIC = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
IMAGE_FORMATS = {JPEG: "JPEG", PNG: "PNG"}


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def max_files() -> int:
    return settings.EVIDENCE_MAX_FILES


def max_bytes() -> int:
    return settings.EVIDENCE_MAX_FILE_BYTES


def _sniff(head: bytes) -> str | None:
    for magic, content_type in MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def _parses(content_type: str, data: bytes) -> bool:
    try:
        if content_type == PDF:
            return len(PdfReader(io.BytesIO(data), strict=False).pages) > 0
        with Image.open(io.BytesIO(data)) as image:
            if image.format != IMAGE_FORMATS[content_type]:
                return False
            image.verify()
        return True
    except Exception:  # any parse failure (pypdf and Pillow raise many kinds) means "not readable"
        return False


def check_files(files) -> list[CheckedFile]:
    """Check uploaded files (Django `UploadedFile`s); refuse the lot with InvalidInput if any is wrong."""
    files = list(files or ())
    if len(files) > max_files():
        raise InvalidInput(_("Attach at most %(n)d files.") % {"n": max_files()}, field="evidence")
    checked = []
    for upload in files:
        name = os.path.basename(upload.name or "file")[:200]
        if upload.size > max_bytes():
            raise InvalidInput(
                _("%(name)s is too large: a file may have at most %(mb)s MB.")
                % {"name": name, "mb": f"{max_bytes() / 1_000_000:g}"},
                field="evidence",
            )
        data = upload.read(max_bytes() + 1)
        if len(data) > max_bytes():  # the declared size lied
            raise InvalidInput(_("%(name)s is too large.") % {"name": name}, field="evidence")
        content_type = _sniff(data[:16])
        if content_type is None or not _parses(content_type, data):
            raise InvalidInput(
                _("%(name)s is not a readable PDF, JPEG or PNG file (its content was checked, not its name).")
                % {"name": name},
                field="evidence",
            )
        checked.append(CheckedFile(name=name, content_type=content_type, data=data))
    return checked


def root() -> Path:
    return Path(settings.EVIDENCE_ROOT)


def store(checked: CheckedFile) -> str:
    """Write the file under a random name, readable by the application's user only; return that name."""
    directory = root()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored_name = f"{uuid.uuid4().hex}.{EXTENSIONS[checked.content_type]}"
    fd = os.open(directory / stored_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(checked.data)
    return stored_name


def discard(stored_names) -> None:
    for stored_name in stored_names:
        (root() / stored_name).unlink(missing_ok=True)


def path_of(stored_name: str) -> Path:
    path = (root() / stored_name).resolve()
    if path.parent != root().resolve():
        raise InvalidInput(_("No such file."))
    return path
