"""The framing decoder: any chunking in, the same complete reads out; garbage never breaks it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanstation.scanners.framing import Frame, FrameDecoder, FrameEnd, decode_scan_bytes, envelope_open

UPS_1Z = b"1Z3F141E8695861181"
# A UPS MaxiCode payload whose compressed segment holds a CR (as real labels can).
MAXICODE = (
    b"[)>\x1e01\x1d96841706672\x1d840\x1d001\x1d1Z12345675\x1dUPSN\x1d12345E\x1d089\x1d\x1d1/1\x1d10.1\x1dY"
    b"\x1e07\rbin\x0a\x1e\x04"
)


def feed_all(decoder: FrameDecoder, chunks: list[bytes], start: float = 0.0) -> list[Frame]:
    out: list[Frame] = []
    for chunk in chunks:
        out += decoder.feed(chunk, start)
    return out


def datas(frames: list[Frame]) -> list[bytes]:
    return [f.data for f in frames]


@pytest.mark.parametrize(
    ("terminator", "term"), [("CR", b"\r"), ("LF", b"\n"), ("CRLF", b"\r\n"), ("TAB", b"\t"), ("ETX", b"\x03")]
)
def test_each_terminator_ends_a_read_and_is_removed(terminator: str, term: bytes) -> None:
    decoder = FrameDecoder(terminator)
    frames = decoder.feed(UPS_1Z + term, 0.0)
    assert frames == [Frame(UPS_1Z, FrameEnd.TERMINATOR)]
    assert decoder.pending == 0


def test_two_scans_in_one_read_are_two_scans() -> None:
    frames = FrameDecoder("CR").feed(b"ABC123\rDEF456\r", 0.0)
    assert datas(frames) == [b"ABC123", b"DEF456"]
    assert all(f.complete for f in frames)


def test_one_scan_split_across_reads_is_one_scan() -> None:
    decoder = FrameDecoder("CR")
    assert decoder.feed(b"1Z3F14", 0.0) == []
    assert decoder.feed(b"1E86958", 0.01) == []
    assert datas(decoder.feed(b"61181\r", 0.02)) == [UPS_1Z]


def test_crlf_split_between_cr_and_lf() -> None:
    decoder = FrameDecoder("CRLF")
    assert decoder.feed(b"ABC\r", 0.0) == []
    assert datas(decoder.feed(b"\nDEF\r\n", 0.0)) == [b"ABC", b"DEF"]


def test_cr_mode_tolerates_a_scanner_that_sends_crlf_even_split() -> None:
    decoder = FrameDecoder("CR")
    assert datas(decoder.feed(b"ABC\r", 0.0)) == [b"ABC"]
    assert datas(decoder.feed(b"\nDEF\r\n", 0.0)) == [b"DEF"]
    assert decoder.pending == 0


def test_lf_mode_drops_the_cr_of_crlf() -> None:
    assert datas(FrameDecoder("LF").feed(b"ABC\r\nDEF\n", 0.0)) == [b"ABC", b"DEF"]


def test_empty_reads_between_terminators_make_no_scans() -> None:
    assert datas(FrameDecoder("CR").feed(b"\r\rABC\r\r", 0.0)) == [b"ABC"]


def test_stx_prefix_is_removed_and_junk_before_it_is_its_own_read() -> None:
    decoder = FrameDecoder("ETX", stx_prefix=True)
    frames = decoder.feed(b"\x02ABC\x03noise\x02DEF\x03", 0.0)
    assert frames == [
        Frame(b"ABC", FrameEnd.TERMINATOR),
        Frame(b"noise", FrameEnd.STX),
        Frame(b"DEF", FrameEnd.TERMINATOR),
    ]


def test_stx_restarts_an_unterminated_read() -> None:
    decoder = FrameDecoder("CR", stx_prefix=True)
    frames = decoder.feed(b"\x02AB", 0.0) + decoder.feed(b"\x02CDE\r", 0.0)
    assert frames == [Frame(b"AB", FrameEnd.STX), Frame(b"CDE", FrameEnd.TERMINATOR)]


def test_none_terminator_idle_gap_ends_a_read() -> None:
    decoder = FrameDecoder("NONE", idle_gap_s=0.08)
    assert decoder.feed(b"ABC", 0.0) == []
    assert decoder.feed(b"DEF", 0.05) == []  # within the gap: same read
    assert decoder.deadline() == pytest.approx(0.13)
    assert decoder.tick(0.12) == []
    assert decoder.tick(0.13) == [Frame(b"ABCDEF", FrameEnd.IDLE)]
    assert decoder.deadline() is None


def test_none_terminator_data_after_a_pause_starts_a_new_read() -> None:
    decoder = FrameDecoder("NONE", idle_gap_s=0.08)
    decoder.feed(b"ABC", 0.0)
    # The reader thread may not have ticked in the pause: the feed itself closes the previous read.
    assert decoder.feed(b"DEF", 0.5) == [Frame(b"ABC", FrameEnd.IDLE)]
    assert decoder.tick(0.6) == [Frame(b"DEF", FrameEnd.IDLE)]


def test_unterminated_fragment_goes_stale_instead_of_gluing_to_the_next_scan() -> None:
    decoder = FrameDecoder("CR", idle_gap_s=0.08)
    decoder.feed(b"\x00\xffjunk", 0.0)
    assert decoder.tick(0.4) == []
    stale = decoder.tick(0.5)
    assert stale == [Frame(b"\x00\xffjunk", FrameEnd.STALE)]
    assert not stale[0].complete
    assert datas(decoder.feed(UPS_1Z + b"\r", 2.0)) == [UPS_1Z]


def test_64k_without_terminator_is_one_overflow_read_and_the_buffer_stays_bounded() -> None:
    decoder = FrameDecoder("CR", max_bytes=8192)
    frames: list[Frame] = []
    noise = bytes(range(256)).replace(b"\r", b"")  # binary noise without the terminator
    total = 0
    while total < 65536:
        chunk = noise[: min(len(noise), 65536 - total)]
        frames += decoder.feed(chunk, 0.0)
        total += len(chunk)
        assert decoder.pending <= 8192 + len(noise)
    assert [f.end for f in frames] == [FrameEnd.OVERFLOW]
    assert len(frames[0].data) == 8192
    assert decoder.dropped_bytes == 65536 - 8192
    # The rest of the overlong read is dropped up to its terminator; the next scan is clean.
    assert datas(decoder.feed(b"tail of garbage\r" + UPS_1Z + b"\r", 0.0)) == [UPS_1Z]


def test_overlong_read_in_a_single_chunk_with_its_terminator() -> None:
    decoder = FrameDecoder("CR", max_bytes=100)
    frames = decoder.feed(b"x" * 1000 + b"\r" + UPS_1Z + b"\r", 0.0)
    assert [f.end for f in frames] == [FrameEnd.OVERFLOW, FrameEnd.TERMINATOR]
    assert frames[0].data == b"x" * 100
    assert frames[1].data == UPS_1Z


def test_overflow_discard_ends_at_a_pause() -> None:
    decoder = FrameDecoder("CR", max_bytes=64)
    assert [f.end for f in decoder.feed(b"y" * 200, 0.0)] == [FrameEnd.OVERFLOW]
    assert decoder.feed(b"more junk", 0.1) == []
    # After the pause the next burst is a new read, even though the junk never had a terminator.
    assert datas(decoder.feed(UPS_1Z + b"\r", 2.0)) == [UPS_1Z]


def test_nul_binary_and_invalid_utf8_decode_without_error() -> None:
    raw = b"\x00\x01\xff\xfe\xc3(AB\x00"
    frames = FrameDecoder("CR").feed(raw + b"\r", 0.0)
    assert frames[0].data == raw
    text = frames[0].text()
    assert text.startswith("\x00\x01\ufffd\ufffd")
    assert text.endswith("AB\x00")
    text.encode("utf-8")  # storable: no lone surrogates


def test_valid_utf8_split_inside_a_character_survives() -> None:
    decoder = FrameDecoder("CR")
    word = "Ёж№".encode()
    assert decoder.feed(word[:1], 0.0) == []
    assert [f.text() for f in decoder.feed(word[1:] + b"\r", 0.0)] == ["Ёж№"]


def test_cr_inside_an_open_iso15434_envelope_is_data() -> None:
    decoder = FrameDecoder("CR")
    frames = decoder.feed(MAXICODE[:60], 0.0) + decoder.feed(MAXICODE[60:] + b"\r" + UPS_1Z + b"\r", 0.0)
    assert datas(frames) == [MAXICODE, UPS_1Z]


def test_envelope_without_eot_is_delivered_when_it_goes_stale() -> None:
    decoder = FrameDecoder("CR")
    unclosed = b"[)>\x1e01\x1d96123\rabc"
    assert decoder.feed(unclosed + b"\r", 0.0) == []
    assert decoder.tick(1.0) == [Frame(unclosed + b"\r", FrameEnd.STALE)]


def test_flush_hands_out_a_read_cut_by_unplugging() -> None:
    decoder = FrameDecoder("CR")
    decoder.feed(b"1Z3F", 0.0)
    assert decoder.flush() == [Frame(b"1Z3F", FrameEnd.CLOSED)]
    assert decoder.pending == 0
    assert decoder.flush() == []


def test_envelope_open_on_text() -> None:
    assert envelope_open("]U1[)>\x1e01\x1d96")
    assert not envelope_open("[)>\x1e01\x1d96\x1e\x04")
    assert not envelope_open("1Z3F141E8695861181")
    assert decode_scan_bytes(b"\xff") == "\ufffd"


def test_unknown_terminator_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown terminator"):
        FrameDecoder("EOT")


one_scan = st.binary(min_size=1, max_size=40).filter(lambda b: b"\r" not in b and b"\n" not in b)
scans = st.lists(one_scan, min_size=1, max_size=8)


@given(scans=scans, cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=12))
def test_any_chunking_gives_the_same_reads(scans: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(s + b"\r" for s in scans)
    points = sorted({c % (len(stream) + 1) for c in cuts})
    chunks = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]
    decoder = FrameDecoder("CR", max_bytes=8192)
    frames = feed_all(decoder, chunks)
    # A read that opens an ISO 15434 envelope keeps its CRs, so compare with the decoder's own rule.
    expected = FrameDecoder("CR").feed(stream, 0.0)
    assert frames == expected
    if not any(b"[)>\x1e" in s for s in scans):
        assert datas(frames) == scans
