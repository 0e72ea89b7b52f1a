#!/usr/bin/python3
"""Extracts the uncompressed ELF kernel from a bzImage, for booting it through its PVH entry.

Under software emulation decompressing Debian's xz-compressed bzImage takes several seconds
of every VM boot; qemu loads an uncompressed ELF with a PVH entry note directly.

    extract-vmlinux.py <bzImage> <output>

Exits 1 (and writes nothing) when no xz or gzip payload decompresses to an ELF with the Xen
PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); the caller then boots the bzImage itself.
"""
import lzma
import struct
import sys
import zlib

XEN_ELFNOTE_PHYS32_ENTRY = 18
PT_NOTE = 4


def candidates(image):
    """Decompressed payloads of every xz or gzip stream start found in the image."""
    for magic, decompress in ((b"\xfd7zXZ\x00", decompress_xz), (b"\x1f\x8b\x08", decompress_gzip)):
        start = image.find(magic)
        while start != -1:
            payload = decompress(image[start:])
            if payload:
                yield payload
            start = image.find(magic, start + 1)


def decompress_xz(data):
    try:
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data)
    except lzma.LZMAError:
        return None


def decompress_gzip(data):
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
    except zlib.error:
        return None


def has_pvh_note(elf):
    """True for a 64-bit little-endian ELF with a "Xen" PHYS32_ENTRY note in a PT_NOTE segment."""
    if len(elf) < 64 or elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        return False
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    for index in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", elf, phoff + index * phentsize)
        if p_type != PT_NOTE:
            continue
        offset, end = p_offset, p_offset + p_filesz
        while offset + 12 <= end:
            namesz, descsz, note_type = struct.unpack_from("<III", elf, offset)
            name = elf[offset + 12:offset + 12 + namesz].rstrip(b"\x00")
            if name == b"Xen" and note_type == XEN_ELFNOTE_PHYS32_ENTRY:
                return True
            offset += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return False


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: extract-vmlinux.py <bzImage> <output>")
    with open(sys.argv[1], "rb") as source:
        image = source.read()
    for payload in candidates(image):
        if has_pvh_note(payload):
            with open(sys.argv[2], "wb") as output:
                output.write(payload)
            return 0
    print("extract-vmlinux: no ELF kernel with a PVH entry in " + sys.argv[1], file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
