"""Names and documents the rights tests share."""

from __future__ import annotations

import io

from PIL import Image

from fangdu.rights.services import Document

OWNER = "柯桥花样工作室"
BANK = "绍兴柯桥某银行"


def pdf(text: str = "contract") -> bytes:
    """A small file that is a PDF by its signature (what the register checks)."""
    return b"%PDF-1.4\n% " + text.encode() + b"\n%%EOF\n"


def png(colour: tuple[int, int, int] = (200, 10, 10)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), colour).save(buffer, "PNG")
    return buffer.getvalue()


def pledge_documents(*extra: str) -> list[Document]:
    roles = ["main_contract", "pledge_contract", "pledgor_id", "pledgee_id", *extra]
    return [Document(role, pdf(role)) for role in roles]
