"""Small files of every attachment kind, built here (no binary fixtures in the repository)."""

from __future__ import annotations

import io
import struct
import zipfile

from openpyxl import Workbook

FREE, END, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _directory_entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    encoded = name.encode("utf-16-le") + b"\0\0" if name else b""
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1 if name else 0)
        + struct.pack("<III", NO_STREAM, NO_STREAM, child)
        + b"\0" * 16  # CLSID
        + b"\0" * 4  # state bits
        + b"\0" * 16  # creation and modification times
        + struct.pack("<IQ", start, size)
    )


def ole_file(stream_name: str = "FileHeader", content: bytes = b"HWP Document File") -> bytes:
    """A compound file (version 3) with one stream of 4,096 bytes: sector 0 holds the FAT,
    sector 1 the directory, sectors 2-9 the stream. This is the container HWP 5 uses."""
    stream = content.ljust(4096, b"\0")
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, END, 0, END, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", FREE) * 108
    )
    fat = [FAT_SECTOR, END, *range(3, 10), END]
    fat += [FREE] * (128 - len(fat))
    directory = (
        _directory_entry("Root Entry", 5, 1, END, 0)
        + _directory_entry(stream_name, 2, NO_STREAM, 2, len(stream))
        + _directory_entry("", 0, NO_STREAM, 0, 0) * 2
    )
    return header + struct.pack("<128I", *fat) + directory + stream


def zip_file(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def hwpx() -> bytes:
    return zip_file(
        {
            "mimetype": b"application/hwp+zip",
            "Contents/section0.xml": b"<hs:sec/>",
            "META-INF/container.xml": b"<container/>",
        }
    )


def docx() -> bytes:
    return zip_file({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def xlsx() -> bytes:
    book = Workbook()
    book.active.append(["제목", "내용"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def png() -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
        b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def zip_bomb(declared: int) -> bytes:
    """A small zip that declares ``declared`` bytes once inflated (zeros compress ~1000:1)."""
    return zip_file({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * declared})


SAMPLES = {
    "pdf": ("제안서.pdf", pdf),
    "hwp": ("제안서.hwp", ole_file),
    "hwpx": ("제안서.hwpx", hwpx),
    "docx": ("제안서.docx", docx),
    "xlsx": ("현황.xlsx", xlsx),
    "png": ("사진.png", png),
    "jpeg": ("사진.jpg", jpeg),
}
