"""The clearance certificate as a PDF (reportlab), with a QR code (segno) of its verification address, which is
also printed below it (wrapped to the page, and a link) for those who cannot scan.

Chinese text uses reportlab's built-in CID font STSong-Light (no font file to ship); the certificate is bilingual
so that a carrier, a bank or a foreign authority can read it.
"""

import io

import segno
from django.utils import translation
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from appeals.services.certificates import debtor_as_certified
from enforcement.rules import ClosingReason

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _reason(code: str, language: str) -> str:
    with translation.override(language):
        return str(ClosingReason(code).label)


URL_FONT_SIZE = 8


def _wrap(text: str, max_width: float) -> list[str]:
    """Cut a long address into lines that fit the page (it has no spaces to break at)."""
    lines, line = [], ""
    for char in text:
        if line and pdfmetrics.stringWidth(line + char, FONT, URL_FONT_SIZE) > max_width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines


def render_certificate(certificate, *, verify_url: str) -> bytes:
    case = certificate.case
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"清偿证明 Clearance certificate {certificate.number}")
    pdf.setAuthor(case.court.name)
    width, height = A4
    x = 25 * mm
    y = height - 35 * mm
    pdf.setFont(FONT, 20)
    pdf.drawString(x, y, "执行案件结案（清偿）证明")
    y -= 10 * mm
    pdf.setFont(FONT, 14)
    pdf.drawString(x, y, "Certificate of clearance of an enforcement case")
    y -= 16 * mm
    rows = [
        ("证明编号 Certificate number", certificate.number),
        ("执行法院 Enforcing court", f"{case.court.name}  {case.court.name_en}".strip()),
        ("案号 Case number", case.case_number),
        # The debtor as signed (see appeals.services.certificates), never the full ID number.
        ("被执行人 Debtor", "{} ({})".format(*debtor_as_certified(case))),
        ("结案日期 Closed on", certificate.closed_on.isoformat()),
        (
            "结案方式 Closed as",
            f"{_reason(certificate.closed_reason, 'zh-hans')} / {_reason(certificate.closed_reason, 'en')}",
        ),
        ("签发时间 Issued", certificate.issued_at.strftime("%Y-%m-%d")),
        ("签名 Signature", " ".join(certificate.signature[i : i + 4] for i in range(0, len(certificate.signature), 4))),
    ]
    for label, value in rows:
        pdf.setFont(FONT, 10)
        pdf.drawString(x, y, label)
        pdf.setFont(FONT, 12)
        pdf.drawString(x + 62 * mm, y, value)
        y -= 9 * mm
    y -= 6 * mm
    pdf.setFont(FONT, 10)
    for line in (
        "本案已因全部履行或和解协议履行完毕而结案，被执行人已从失信被执行人名单中删除，限制消费措施已解除。",
        "The case was closed as paid in full or as settlement performed; the debtor is off the list of dishonest",
        "judgment debtors and every restriction on this case is lifted.",
        "扫描二维码或访问下列网址核验本证明 / Scan the QR code or visit this address to verify:",
    ):
        pdf.drawString(x, y, line)
        y -= 6 * mm
    pdf.setFont(FONT, URL_FONT_SIZE)
    url_top = y + 4 * mm
    for line in _wrap(verify_url, width - 2 * x):
        pdf.drawString(x, y, line)
        y -= 4.5 * mm
    pdf.linkURL(verify_url, (x, y + 3 * mm, width - x, url_top), relative=0)
    qr = io.BytesIO()
    segno.make(verify_url, error="m").save(qr, kind="png", scale=6, border=2)
    qr.seek(0)
    size = 45 * mm
    pdf.drawImage(ImageReader(qr), width - x - size, y - size - 4 * mm, size, size)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
