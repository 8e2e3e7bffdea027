"""The shortcuts of decoding give what the plain tests give: a UTF-16 guess is skipped only when
no half of the bytes can hold enough NUL, and the control-character scan of UTF-8 text only when
its bound says the text passes."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline import normalize
from pipeline.normalize import InputRejected


def _plain_utf16(data: bytes) -> tuple[str, str] | None:
    """``_utf16_without_bom`` without its NUL count."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    for codec, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) > len(zeros) * 0.3 and other.count(0) < len(other) * 0.05:
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                return None
    return None


# bytes that make the tests' cases: NUL, C0 controls, DEL, the C2 lead byte, C1 continuations,
# ASCII, a CJK character's bytes and a stray continuation byte
PIECES = [b"\x00", b"\x01", b"\x1f", b"\x7f", b"\xc2", b"\x85", b"\xc2\x85", b"\xc2\xb7", b"a", b"\n", "整".encode(), b"\x80", b"\xe4"]
inputs = st.lists(st.sampled_from(PIECES), max_size=200).map(b"".join)


utf16_texts = st.text(max_size=24).flatmap(lambda t: st.sampled_from([t.encode("utf-16-le"), t.encode("utf-16-be")]))


@settings(max_examples=500, deadline=None)
@given(inputs | st.binary(max_size=64) | utf16_texts)
@example(b"a\x00b\x00c\x00d\x00")
@example("整改".encode("utf-16-le"))
def test_utf16_guess_is_the_plain_one(data):
    assert normalize._utf16_without_bom(data) == _plain_utf16(data)


@settings(max_examples=500, deadline=None)
@given(inputs)
@example(b"\xc2\x85" * 3 + b"abc")
@example(b"\x01" * 6 + b"a" * 100)
def test_few_controls_only_when_the_scan_passes(data):
    decoded = normalize._nearly("utf-8", data) or (data.decode("utf-8", errors="replace"), "utf-8")
    if normalize._few_controls(data, normalize._control_bytes(data), decoded):
        assert normalize._control_ratio(decoded[0]) <= 0.05


def test_few_controls_holds_for_ordinary_text():
    data = ("一、整改任务落实情况\n" * 50 + "·").encode()
    assert normalize._few_controls(data, normalize._control_bytes(data), (data.decode(), "utf-8"))
    assert not normalize._few_controls(data, 0, (data.decode(), "gb18030"))


@settings(max_examples=300, deadline=None)
@given(inputs)
def test_decoding_rejects_as_the_plain_scan_does(data):
    """The text decoded, or the reason it is rejected, with the shortcut and with the plain scan."""
    def outcome():
        try:
            return normalize._decode_text(data)
        except InputRejected as exc:
            return exc.reason
        except Exception as exc:  # the detector's own failures: the same either way
            return type(exc).__name__

    fast = outcome()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(normalize, "_few_controls", lambda *args: False)
        mp.setattr(normalize, "_utf16_without_bom", _plain_utf16)
        assert outcome() == fast
