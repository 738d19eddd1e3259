"""The model API: exact arithmetic, the mailbox operations, declarations and their errors."""

from __future__ import annotations

import textwrap
from fractions import Fraction
from pathlib import Path

import pytest

from hoverify import Algorithm, Local, ModelError, Round, broadcast, n
from hoverify.dsl import CTX, Exact, coord
from hoverify.executor import engine, run
from hoverify.loader import load_model
from hoverify.mailbox import Mailbox


@pytest.fixture
def ctx_n():
    def set_n(k: int) -> None:
        CTX.n = Exact(k)

    yield set_n
    CTX.n = None


# ---- exact arithmetic ----------------------------------------------------------------------

def test_n_arithmetic_is_exact(ctx_n):
    ctx_n(4)
    t = 2 * n / 3
    assert t == Fraction(8, 3) and isinstance(t, Fraction)
    assert n / 2 == 2 and isinstance(n / 2, int)
    assert n // 3 == 1 and (n - 1) / 3 == 1
    assert 3 > 2 * n / 3 > 2
    assert Exact(5) / 2 == Fraction(5, 2)
    assert (Exact(5) + 1) / 4 == Fraction(3, 2)  # stays exact through + and /
    assert repr(Exact(7)) == "7"


def test_n_outside_a_run_is_an_error():
    from hoverify.errors import HoverifyError
    with pytest.raises(HoverifyError, match="only while a model runs"):
        _ = n + 1


def test_coord_rotates(ctx_n):
    ctx_n(3)
    assert [coord(ph) for ph in range(5)] == [0, 1, 2, 0, 1]


@pytest.mark.parametrize("k, smallest_size", [(3, 3), (4, 3), (5, 4), (6, 5)])
def test_two_thirds_threshold_at_small_n(ctx_n, k, smallest_size):
    ctx_n(k)
    sizes = [s for s in range(k + 1) if s > 2 * n / 3]
    assert min(sizes) == smallest_size


@pytest.mark.parametrize("k, smallest_size", [(3, 2), (4, 3), (5, 3)])
def test_majority_threshold_at_small_n(ctx_n, k, smallest_size):
    ctx_n(k)
    assert min(s for s in range(k + 1) if s > n / 2) == smallest_size


# ---- the mailbox ---------------------------------------------------------------------------

def test_mailbox_counts():
    mb = Mailbox.of({0: 3, 1: 1, 2: 3, 4: 2})
    assert mb.size == 4 and len(mb) == 4
    assert mb.count(3) == 2 and mb.count(7) == 0
    assert mb.count(lambda m: m >= 2) == 3
    assert mb.exists(lambda m: m == 1) and not mb.exists(lambda m: m > 5)
    assert mb.forall(lambda m: m > 0) and not mb.forall(lambda m: m > 1)
    assert mb.min() == 1 and mb.max() == 3
    assert mb.from_(2) == 3 and mb.from_(3) is None
    assert 4 in mb.senders and 3 not in mb.senders and sorted(mb.senders) == [0, 1, 2, 4]


def test_min_most_often_breaks_ties_by_smallest():
    assert Mailbox.of({0: 5, 1: 2, 2: 5, 3: 2, 4: 9}).min_most_often() == 2
    assert Mailbox.of({0: 5, 1: 2, 2: 5}).min_most_often() == 5
    assert Mailbox.of({0: 1, 1: 0}).min_most_often() == 0
    assert Mailbox.of({}).min_most_often() is None


def test_max_by_breaks_ties_by_smallest_payload():
    mb = Mailbox.of({0: (4, 1), 1: (2, 3), 2: (7, 3), 3: (1, 2)})
    assert mb.max_by(lambda m: m[1]) == (2, 3)
    assert mb.max_by(lambda m: -m[0]) == (1, 2)
    assert Mailbox.of({}).max_by(lambda m: m) is None


def test_none_is_below_every_value():
    mb = Mailbox.of({0: None, 1: 3, 2: 1})
    assert mb.min() is None and mb.max() == 3
    assert mb.count(None) == 1
    tup = Mailbox.of({0: (1, None), 1: (1, 0), 2: (0, 5)})
    assert tup.min() == (0, 5) and tup.max() == (1, 0)
    assert tup.max_by(lambda m: m[1] is not None) == (0, 5)


def test_empty_mailbox():
    mb = Mailbox.of({})
    assert mb.size == 0 and mb.count(1) == 0
    assert mb.forall(lambda m: False) and not mb.exists(lambda m: True)
    assert mb.min() is None and mb.max() is None


def test_shared_index_is_masked():
    # the executor shares one payload index among receivers; each mailbox sees only its senders
    index = {0: 0b0111, 1: 0b1000}
    mb = Mailbox(index, 0b1010, [0, 0, 0, 1])
    assert mb.size == 2 and mb.count(0) == 1 and mb.count(1) == 1
    assert mb.from_(1) == 0 and mb.from_(0) is None and mb.from_(3) == 1


# ---- declarations --------------------------------------------------------------------------

def test_local_types():
    assert Local(int | None).initial is None
    assert Local(bool, initial=False).initial is False
    with pytest.raises(ModelError):
        Local(float)
    with pytest.raises(ModelError):
        Local(bool, initial=3)
    with pytest.raises(ModelError):
        Local(int, initial=None)


def test_locals_and_rounds_in_order():
    class Two(Algorithm):
        a = Local(int)
        b = Local(bool, initial=True)

        def init(p, v):
            p.a = v

        class First(Round):
            def send(p):
                return broadcast(p.a)

            def update(p, mbox):
                pass

        class Second(Round):
            def send(p):
                return None

            def update(p, mbox):
                p.b = not p.b

    Two.check()
    assert Two.local_names() == ("a", "b")
    assert [r.__name__ for r in Two.rounds] == ["First", "Second"]
    t = run(Two, 3, 4, seed=1, inputs=[1, 2, 3])
    assert [rec.round_name for rec in t.rounds] == ["First", "Second", "First", "Second"]
    assert t.final.column("b") == (True, True, True)


def _write(tmp_path: Path, body: str) -> Path:
    f = tmp_path / "m.py"
    f.write_text(textwrap.dedent(body))
    return f


HEADER = """
from hoverify import Algorithm, Local, Round, broadcast, n
"""


def test_missing_update_is_a_model_error(tmp_path):
    f = _write(tmp_path, HEADER + """
class M(Algorithm):
    x = Local(int)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return broadcast(p.x)
""")
    with pytest.raises(ModelError, match="no 'update'") as e:
        load_model(f)
    assert e.value.file == str(f) and e.value.line == 10  # the class R


def test_syntax_error_has_line(tmp_path):
    f = _write(tmp_path, HEADER + "class M(Algorithm:\n    pass\n")
    with pytest.raises(ModelError, match="syntax error") as e:
        load_model(f)
    assert e.value.line == 3 and str(e.value).startswith(str(f))


def test_import_error_has_line(tmp_path):
    f = _write(tmp_path, HEADER + "x = 1 / 0\n")
    with pytest.raises(ModelError, match="ZeroDivisionError") as e:
        load_model(f)
    assert e.value.line == 3


def test_no_algorithm(tmp_path):
    with pytest.raises(ModelError, match="no Algorithm"):
        load_model(_write(tmp_path, HEADER))
    with pytest.raises(ModelError, match="no such model file"):
        load_model(tmp_path / "nope.py")


MODEL = HEADER + """
class M(Algorithm):
    x = Local(int)
    decided = Local(bool, initial=False)
    decision = Local(int | None)

    def init(p, v):
        p.x = v

    class R(Round):
        def send(p):
            return {send}

        def update(p, mbox):
            {update}

    properties = ("agreement",)
"""


@pytest.mark.parametrize("send, update, match, line", [
    ("broadcast(p.x)", "p.y = 1", "'y' is not a local", 17),
    ("broadcast(p.x)", "p.x = n / 2", "expected a value of type int", 16),
    ("broadcast(p.x)", "p.x = 0.5", "expected a value of type int", 16),
    ("broadcast(p.x)", "p.x = True", "expected a value of type int", 16),
    ("broadcast(p.x)", "p.decided = 1", "expected a value of type bool", 16),
    ("broadcast(p.x)", "p.x = mbox.min_most_often() + undefined_name", "NameError", 17),
    ("p.x", "pass", "send returned", 13),
    ("broadcast([p.x])", "pass", "payload", 13),
    ("broadcast(1.5)", "pass", "payload", 13),
])
def test_runtime_model_errors(tmp_path, send, update, match, line):
    m = load_model(_write(tmp_path, MODEL.format(send=send, update=update)))
    with pytest.raises(ModelError, match=match) as e:
        run(m, 3, 2, inputs=[0, 1, 2])
    if line is not None:
        assert e.value.line == line


def test_a_round_starts_from_its_pre_state_even_if_send_changed_the_process(tmp_path):
    """``send`` may not change the state: ``update`` (lockstep, and one process at a time as the
    runtime runs it) starts from the pre-state, not from what ``send`` assigned."""
    m = load_model(_write(tmp_path, MODEL.format(
        send="broadcast(setattr(p, 'x', p.x + 100) or p.x)",
        update="p.decide(p.x)")))
    trace = run(m, 2, 1, inputs=[3, 4])
    assert [row[m.local_names().index("decision")] for row in trace.final.locals] == [3, 4]
    eng = engine(m, 2)
    row = eng.init_one(0, 3)
    msg = eng.send_one(0, 0, row, None)
    assert msg is not None and msg.payload == 103
    after = eng.update_from(0, 0, row, Mailbox.of({0: 103}), None)
    assert after[m.local_names().index("decision")] == 3
    # the same row again: the process holds it already (no reload), same result
    assert eng.update_from(0, 0, row, Mailbox.of({0: 103}), None) == after


def test_unknown_property(tmp_path):
    f = _write(tmp_path, MODEL.format(send="broadcast(p.x)", update="pass").replace(
        '("agreement",)', '("agreement", "liveness")'))
    with pytest.raises(ModelError, match="unknown property 'liveness'"):
        load_model(f)


def test_local_without_initial_value(tmp_path):
    f = _write(tmp_path, MODEL.format(send="broadcast(p.x)", update="pass").replace(
        "p.x = v", "pass"))
    with pytest.raises(ModelError, match="no initial value"):
        run(load_model(f), 2, 1)


def test_division_of_locals_is_exact(tmp_path):
    m = load_model(_write(tmp_path, MODEL.format(
        send="broadcast(p.x)",
        update="p.decided = mbox.count(p.x) / 3 > p.x / 4  # 1/3 > x/4 exactly")))
    t = run(m, 3, 1, inputs=[1, 2, 3])
    # count(x) = 1 for every x: 1/3 > 1/4 true, 1/3 > 2/4 false, 1/3 > 3/4 false
    assert t.final.column("decided") == (True, False, False)
