"""
Reading an event batch body so that no single event's content can sink the batch.

The standard parser fails a whole document for things that belong to one event:
nesting past Python's recursion limit (RecursionError), an integer of more than
4,300 digits (ValueError), a `NaN` or `Infinity` literal (DRF refuses them). It
also changes some content without a word: `1e400` becomes `inf` (which orjson
then writes as `null`), and of a key given twice only the last value is kept.

`read_batch_body` parses the whole body (a body that is not JSON at all is still
an error, `json.JSONDecodeError`) but turns each of those into a value the event
validator can see and refuse for that event alone:

* `RepeatedKeys`: an object that named a key more than once (a dict holding the
  last value, as `json` would, and the repeated names);
* `HugeInt`: an integer literal of more than 20 characters, which cannot fit in
  64 bits (its text is kept, so a numeric `userId` still reads as sent);
* `NonFinite`: `NaN`, `Infinity`, `-Infinity`, or a number that overflows a float;
* `TOO_DEEP`: an array or object nested deeper than `keep_depth` (only when the
  body is too deep for the C parser; see below).

The C parser (`json.loads` with hooks) reads every ordinary body. Only when it
hits the recursion limit is the body read again by `_read_iteratively`, a parser
with an explicit stack that checks the syntax of the whole document but keeps
nothing below `keep_depth`. Both produce the same values for the same text up to
that depth (tests/analytics/test_event_fuzz.py checks it).
"""
from __future__ import annotations

import itertools
import json
from json.decoder import JSONDecodeError, scanstring
import math
import re

# Longest integer literal that can fit in 64 bits: "-9223372036854775808" and
# "18446744073709551615" are 20 characters; 21 or more never fit.
_MAX_INT_CHARS = 20


class RepeatedKeys(dict):
    """A JSON object that named some key twice or more: the last value of each key, and the repeated names."""

    __slots__ = ("repeated",)

    def __init__(self, pairs, repeated: frozenset[str]):
        super().__init__(pairs)
        self.repeated = repeated


class HugeInt:
    """An integer literal too long for 64 bits, kept as its text (never converted: no quadratic int())."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    @property
    def negative(self) -> bool:
        return self.text.startswith("-")

    def __repr__(self):
        return f"HugeInt({self.text[:24]}{'…' if len(self.text) > 24 else ''})"


class NonFinite:
    """`NaN`, `Infinity`, `-Infinity`, or a number literal beyond the float range (`1e400`), as sent."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self):
        return f"NonFinite({self.text[:24]})"


class _TooDeep:
    """Stands for an array or object nested deeper than the reader kept."""

    __slots__ = ()

    def __repr__(self):
        return "TOO_DEEP"


TOO_DEEP = _TooDeep()


def _object(pairs: list[tuple[str, object]]):
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    repeated = {key for key, _value in pairs if key in seen or seen.add(key)}
    return RepeatedKeys(pairs, frozenset(repeated))


def _int(text: str):
    return int(text) if len(text) <= _MAX_INT_CHARS else HugeInt(text)


def _float(text: str):
    value = float(text)
    return value if math.isfinite(value) else NonFinite(text)


_HOOKS = {"object_pairs_hook": _object, "parse_int": _int, "parse_float": _float, "parse_constant": NonFinite}


def read_batch_body(text: str, *, keep_depth: int):
    """
    The parsed body, with the markers above where an event's content cannot be
    held as sent. Raises `json.JSONDecodeError` for a body that is not JSON.
    `keep_depth` (1 = the top-level value) bounds what the fallback reader keeps.
    """
    try:
        return json.loads(text, **_HOOKS)
    except RecursionError:
        return _read_iteratively(text, keep_depth)


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_CONSTANTS = {"null": None, "true": True, "false": False}
_NON_FINITE = ("NaN", "Infinity", "-Infinity")

# Below keep_depth nothing is built, so runs of openers and closers are taken whole
# (a hostile megabyte of "[[[[" or '{"a":{"a":' costs a few regex calls, not a Python
# step per bracket). An opener is "[", or "{" with a plain key (no escapes) and its ':'.
_OPENER = r'(?:\[|\{[ \t\n\r]*"[^"\\\x00-\x1f]*"[ \t\n\r]*:)'
_OPENER_RUN = re.compile(rf"{_OPENER}(?:[ \t\n\r]*{_OPENER})*")
_ARRAY_RUN = re.compile(r"\[+")
_PLAIN_KEY = re.compile(r'"[^"]*"[ \t\n\r]*:')
_CLOSER_RUN = re.compile(r"[\]}](?:[ \t\n\r]*[\]}])*")
_CLOSER = re.compile(r"[\]}]")
_NO_WHITESPACE = str.maketrans("", "", " \t\n\r")
_OPENER_OF = str.maketrans("]}", "[{")


def _read_iteratively(text: str, keep_depth: int):
    """
    `json.loads(text, **_HOOKS)` without recursion. Containers down to `keep_depth`
    are built on `stack`; deeper ones are only checked, their kinds on `skipped`,
    and the outermost of them reads as TOO_DEEP.
    """
    ws = _WHITESPACE.match
    end = len(text)
    stack: list[list] = []  # [kind "{" or "[", items, the key awaiting its value]
    skipped: list[str] = []  # kinds of the open containers below keep_depth

    def key_at(pos: int) -> tuple[str, int]:
        """A member name and the position after its ':' and the whitespace behind it."""
        if not text.startswith('"', pos):
            raise JSONDecodeError("Expecting property name enclosed in double quotes", text, pos)
        key, pos = scanstring(text, pos + 1, True)
        pos = ws(text, pos).end()
        if not text.startswith(":", pos):
            raise JSONDecodeError("Expecting ':' delimiter", text, pos)
        return key, ws(text, pos + 1).end()

    pos = ws(text, 0).end()
    while True:
        # A value starts at pos.
        char = text[pos:pos + 1]
        if char in ("{", "[") and len(stack) == keep_depth:
            run = _ARRAY_RUN.match(text, pos) if char == "[" else None
            if run and not text.startswith(("]", " ", "\t", "\n", "\r"), run.end()):
                kinds, pos = run.group(), run.end()
            else:
                run = _OPENER_RUN.match(text, pos)
                kinds = _PLAIN_KEY.sub("", run.group()).translate(_NO_WHITESPACE) if run else ""
                if kinds.endswith("["):
                    # The last "[" may be empty ("[]"): the general path below reads it.
                    kinds, pos = kinds[:-1], run.end() - 1
                elif kinds:
                    pos = ws(text, run.end()).end()
            skipped.extend(kinds)
            char = text[pos:pos + 1]
            if kinds and char != "[":
                continue
        if char in ("{", "["):
            closer = "}" if char == "{" else "]"
            pos = ws(text, pos + 1).end()
            building = len(stack) < keep_depth
            if text.startswith(closer, pos):
                pos += 1
                value = ({} if char == "{" else []) if building else TOO_DEEP
            else:
                key = None
                if char == "{":
                    key, pos = key_at(pos)
                if building:
                    stack.append([char, [], key])
                else:
                    skipped.append(char)
                continue
        elif char == '"':
            value, pos = scanstring(text, pos + 1, True)
        elif char and char in "-0123456789" and (number := _NUMBER.match(text, pos)):
            integer, fraction, exponent = number.groups()
            value = _float(number.group()) if fraction or exponent else _int(integer)
            pos = number.end()
        else:
            for name, constant in _CONSTANTS.items():
                if text.startswith(name, pos):
                    value, pos = constant, pos + len(name)
                    break
            else:
                for name in _NON_FINITE:
                    if text.startswith(name, pos):
                        value, pos = NonFinite(name), pos + len(name)
                        break
                else:
                    raise JSONDecodeError("Expecting value", text, pos)

        # A complete value: hand it to the open container, closing those that end here.
        while True:
            pos = ws(text, pos).end()
            if skipped:
                kind = skipped[-1]
            elif stack:
                kind, items, _key = frame = stack[-1]
                items.append((frame[2], value) if kind == "{" else value)
            else:
                if pos != end:
                    raise JSONDecodeError("Extra data", text, pos)
                return value
            char = text[pos:pos + 1]
            if skipped and char in ("]", "}"):
                run = _CLOSER_RUN.match(text, pos).group()
                closers = run.translate(_NO_WHITESPACE)
                count = min(len(closers), len(skipped))
                if "".join(skipped[-count:]) == closers[count - 1::-1].translate(_OPENER_OF):
                    if len(run) == len(closers):
                        pos += count
                    else:
                        pos = next(itertools.islice(_CLOSER.finditer(text, pos), count - 1, None)).end()
                    del skipped[-count:]
                    value = TOO_DEEP
                    continue
                # A closer of the wrong kind: the general path below reports where.
            if char == ",":
                pos = ws(text, pos + 1).end()
                if kind == "{":
                    key, pos = key_at(pos)
                    if not skipped:
                        frame[2] = key
                break
            if char != ("}" if kind == "{" else "]"):
                raise JSONDecodeError("Expecting ',' delimiter", text, pos)
            pos += 1
            if skipped:
                skipped.pop()
                value = TOO_DEEP
            else:
                stack.pop()
                value = _object(items) if kind == "{" else items
