"""core.memo.RenderedMemo: rendered answers kept per key, least recently used dropped first."""
import orjson

from core.memo import RenderedMemo


def render(fragment) -> object:
    return orjson.loads(orjson.dumps(fragment))


def test_an_answer_is_computed_once_per_key_and_served_rendered():
    memo = RenderedMemo(size=2)
    calls = []

    def compute():
        calls.append(1)
        return {"data": [1, 2], "name": "周"}

    first = memo.get_or_render("k", compute)
    second = memo.get_or_render("k", compute)
    assert isinstance(first, orjson.Fragment)
    assert second is first
    assert render(first) == {"data": [1, 2], "name": "周"}
    assert calls == [1]


def test_a_new_key_computes_again_and_the_least_recently_used_goes_first():
    memo = RenderedMemo(size=2)
    memo.get_or_render("a", lambda: "a1")
    memo.get_or_render("b", lambda: "b1")
    memo.get_or_render("a", lambda: "a2")  # kept: "a" is now the most recently used
    memo.get_or_render("c", lambda: "c1")  # drops "b"
    assert render(memo.get_or_render("a", lambda: "a3")) == "a1"
    assert render(memo.get_or_render("b", lambda: "b2")) == "b2"


def test_clear_forgets_every_answer():
    memo = RenderedMemo(size=4)
    memo.get_or_render("k", lambda: 1)
    memo.clear()
    assert render(memo.get_or_render("k", lambda: 2)) == 2
