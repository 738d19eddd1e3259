"""Propositional LTL (hoverify.liveness.ltl): syntax, printing, satisfiability and validity by
automata, which good-round chains an assumption supplies, and random accepted words.

The automaton's answers are cross-checked against a brute-force evaluation on small lasso words
(:func:`evaluate`), so a wrong tableau rule shows up as a disagreement."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hoverify.errors import HoverifyError
from hoverify.liveness import ltl
from hoverify.liveness.ltl import (
    Always,
    And,
    Atom,
    Eventually,
    FalseC,
    Implies,
    LtlError,
    Next,
    Not,
    Or,
    TrueC,
    Until,
    counterexample,
    describe_supply,
    evaluate,
    example,
    mismatch_message,
    parse_ltl,
    random_run,
    satisfiable,
    supplied_prefix,
    supplies,
    to_text,
    valid,
)

ATOMS = ("a", "b", "u")
a, b, u = Atom("a"), Atom("b"), Atom("u")


def P(text: str) -> ltl.Ltl:
    return parse_ltl(text, ATOMS)


# ---- brute force over small lasso words -------------------------------------------------------

def _letters(atoms: tuple[str, ...]) -> list[frozenset[str]]:
    return [frozenset(c) for k in range(len(atoms) + 1) for c in itertools.combinations(atoms, k)]


def lassos(atoms: tuple[str, ...], max_prefix: int = 1, max_loop: int = 2):
    letters = _letters(atoms)
    for p in range(max_prefix + 1):
        for lp in range(1, max_loop + 1):
            for prefix in itertools.product(letters, repeat=p):
                for loop in itertools.product(letters, repeat=lp):
                    yield list(prefix), list(loop)


def brute_satisfiable(f: ltl.Ltl, max_prefix: int = 1, max_loop: int = 2) -> bool:
    atoms = tuple(sorted(ltl.atoms_of(f)))
    return any(evaluate(f, p, lp) for p, lp in lassos(atoms, max_prefix, max_loop))


# ---- parsing -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "always eventually u", "G F u", "[] <> u", "□◇u", "G(F(u))", "always (eventually u)",
])
def test_always_eventually_in_every_syntax(text):
    assert P(text) == Always(Eventually(u))


@pytest.mark.parametrize("ascii_, uni", [
    ("not a and next b", "¬a ∧ ○b"),
    ("a or b -> u", "a ∨ b → u"),
    ("!a & X b | u", "¬a ∧ ○b ∨ u"),
    ("a && b || u", "a ∧ b ∨ u"),
    ("eventually (u and next u)", "◇(u ∧ ○u)"),
])
def test_ascii_and_unicode_agree(ascii_, uni):
    assert P(ascii_) == P(uni)


def test_precedence():
    assert P("a and b or u") == Or(And(a, b), u)
    assert P("a or b and u") == Or(a, And(b, u))
    assert P("not a and b") == And(Not(a), b)
    assert P("G a -> F b -> u") == Implies(Always(a), Implies(Eventually(b), u))
    assert P("a -> b or u") == Implies(a, Or(b, u))
    assert P("X a U b and u") == And(Until(Next(a), b), u)
    assert P("a U b U u") == Until(a, Until(b, u))
    assert P("a and b and u") == And(And(a, b), u)
    assert P("F G not a") == Eventually(Always(Not(a)))
    assert P("true -> false") == Implies(TrueC(), FalseC())


def test_unknown_name_lists_the_known_ones_with_its_column():
    with pytest.raises(LtlError) as e:
        parse_ltl("always eventually unform", ["uniform", "good"])
    assert e.value.column == 19
    assert "'unform'" in e.value.message and "'good', 'uniform'" in e.value.message
    assert isinstance(e.value, HoverifyError)


@pytest.mark.parametrize("text, column, expected", [
    ("a and", 6, "expected a formula"),
    ("(a or b", 8, "')' to close the '(' at column 1"),
    ("a b", 3, "expected an operator"),
    ("a $ b", 3, "unexpected character '$'"),
    ("G", 2, "expected a formula"),
    ("a )", 3, "expected the end"),
    ("", 1, "empty formula"),
    ("a -> -> b", 6, "expected a formula"),
])
def test_syntax_errors_say_what_was_expected_and_where(text, column, expected):
    with pytest.raises(LtlError) as e:
        P(text)
    assert e.value.column == column
    assert expected in e.value.message


def test_reserved_operator_letters_are_not_atoms():
    with pytest.raises(LtlError, match="expected a formula"):
        parse_ltl("G", ["G"])


# ---- printing ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, printed", [
    ("□◇u", "always eventually u"),
    ("(a and b) and u", "a and b and u"),
    ("a and (b and u)", "a and (b and u)"),
    ("(a -> b) -> u", "(a -> b) -> u"),
    ("a -> (b -> u)", "a -> b -> u"),
    ("not (a or b)", "not (a or b)"),
    ("(a U b) U u", "(a until b) until u"),
    ("X (a U b)", "next (a until b)"),
])
def test_printing(text, printed):
    assert to_text(P(text)) == printed
    assert P(printed) == P(text)


def _formulas(atoms=("a", "b")):
    leaves = st.sampled_from([Atom(x) for x in atoms] + [TrueC(), FalseC()])
    return st.recursive(leaves, lambda sub: st.one_of(
        st.builds(Not, sub), st.builds(Next, sub), st.builds(Eventually, sub),
        st.builds(Always, sub), st.builds(And, sub, sub), st.builds(Or, sub, sub),
        st.builds(Implies, sub, sub), st.builds(Until, sub, sub)), max_leaves=6)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(_formulas())
def test_printing_round_trips(f):
    assert parse_ltl(to_text(f), ATOMS) == f
    assert hash(parse_ltl(to_text(f), ATOMS)) == hash(f)


# ---- satisfiability and validity ---------------------------------------------------------------

@pytest.mark.parametrize("text, is_valid", [
    ("G F a -> F a", True),
    ("F a -> G F a", False),
    ("G a -> a", True),
    ("a -> G a", False),
    ("G a -> X a", True),
    ("F G a -> G F a", True),
    ("G F a -> F G a", False),
    ("not G a -> F not a", True),
    ("a U b -> F b", True),
    ("b -> a U b", True),
    ("a U b -> a", False),
    ("X (a and b) -> X a and X b", True),
    ("G (a -> X a) -> (a -> G a)", True),
    ("a or not a", True),
    ("F a", False),
])
def test_validity_textbook(text, is_valid):
    assert valid(P(text)) is is_valid


@pytest.mark.parametrize("text, sat", [
    ("G a and F not a", False),
    ("a U b and G not b", False),
    ("a U b and not b and not a", False),
    ("G F a and F G not a", False),
    ("X a and X not a", False),
    ("G (a -> X not a) and G F a", True),
    ("a U b and not b", True),
    ("false", False),
    ("true", True),
    ("G F a and G F b and G not (a and b)", True),
])
def test_satisfiability(text, sat):
    f = P(text)
    assert satisfiable(f) is sat
    assert brute_satisfiable(f) is sat  # the small lassos agree


def test_until_semantics_on_words():
    f = P("a U b")
    assert evaluate(f, [{"a"}, {"a"}, {"b"}], [set()])
    assert not evaluate(f, [{"a"}, set(), {"b"}], [set()])
    assert not evaluate(f, [], [{"a"}])  # b never comes
    assert evaluate(f, [{"b"}], [set()])  # b at once: a need not hold


@pytest.mark.parametrize("text", [
    "a U b", "G F a and G F b", "F (u and X u)", "G (a -> X b) and F a", "X X X a",
    "G F a and F G b", "not (a U b) and F b", "F a and F b and G not (a and b)",
])
def test_example_is_a_model(text):
    f = P(text)
    prefix, loop = example(f)
    assert loop
    assert evaluate(f, prefix, loop)


def test_example_of_an_unsatisfiable_formula_is_an_error():
    with pytest.raises(LtlError, match="unsatisfiable"):
        example(P("G a and F not a"))


@settings(max_examples=120, deadline=None, derandomize=True, database=None)
@given(_formulas())
def test_automaton_agrees_with_small_lassos(f):
    if satisfiable(f):
        prefix, loop = example(f)
        assert evaluate(f, prefix, loop)
    else:
        assert not brute_satisfiable(f)


# ---- what an assumption supplies ---------------------------------------------------------------

@pytest.mark.parametrize("assumption, sequence, ok", [
    ("G F u", ["u", "u", "u"], True),
    ("F u", ["u"], True),
    ("F u", ["u", "u"], False),
    ("F (u and X u)", ["u", "u"], True),
    ("F (u and X u)", ["u", "u", "u"], False),
    ("G F a and G F b", ["a", "b", "a"], True),
    ("F a", ["b"], False),
    ("G F (a and b)", ["a", "b"], True),
    ("G F (a and b)", ["b", "a", "b", "a"], True),
    ("F a and G F b", ["a", "b", "b"], True),
    ("F a and G F b", ["b", "a"], False),  # the one 'a' may come before every 'b'
    ("G F a", [], True),
    ("true", ["a"], False),
    ("F G u", ["u", "u", "u"], True),
    ("G (a -> X b) and F a", ["a", "b"], True),
    ("G (a -> X b) and F a", ["a", "b", "a"], False),
])
def test_supplies(assumption, sequence, ok):
    f = P(assumption)
    assert supplies(f, sequence) is ok
    cex = counterexample(f, sequence)
    if ok:
        assert cex is None
        # no small lasso satisfies the assumption without the chain
        chain = ltl.chain_formula(sequence)
        assert not brute_satisfiable(And(f, Not(chain)))
    else:
        assert cex is not None
        prefix, loop = cex
        assert evaluate(f, prefix, loop)
        assert not evaluate(ltl.chain_formula(sequence), prefix, loop)


def test_supplied_prefix():
    assert supplied_prefix(P("F (u and X u)"), ["u", "u", "u", "u"]) == 2
    assert supplied_prefix(P("F a"), ["b", "a"]) == 0
    assert supplied_prefix(P("G F u"), ["u"] * 5) == 5


def test_describe_supply():
    assert describe_supply(P("always eventually u")) == "infinitely many 'u' rounds"
    assert describe_supply(P("eventually u")) == "one 'u' round"
    assert describe_supply(P("G F a and F b")) == "infinitely many 'a' rounds, one 'b' round"
    assert describe_supply(P("F (u and X u)")) == "'eventually (u and next u)'"


def test_mismatch_messages():
    assert mismatch_message(P("G F u"), ["u", "u"]) is None
    assert mismatch_message(P("eventually u"), ["u", "u"]) == (
        "step 2 needs a second 'u' round after step 1's, but the assumption 'eventually u' "
        "promises only one 'u' round")
    assert mismatch_message(P("F a"), ["b", "a"]) == (
        "step 1 needs a 'b' round, but the assumption 'eventually a' promises only one 'a' "
        "round")
    msg = mismatch_message(P("F (u and X u)"), ["u", "u", "u"])
    assert msg is not None and msg.startswith("step 3 needs a third 'u' round after step 2's")
    assert "does not guarantee it" in msg
    msg = mismatch_message(P("G F a and G F b"), ["a", "b", "u"])
    assert msg is not None and msg.startswith("step 3 needs a 'u' round after step 2's")
    assert "infinitely many 'a' rounds, infinitely many 'b' rounds" in msg


# ---- random words ------------------------------------------------------------------------------

def _positions(word, atom):
    return [i for i, x in enumerate(word) if atom in x]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("delay", [0, 3])
def test_random_run_always_eventually(seed, delay):
    word = list(itertools.islice(random_run(P("G F u"), random.Random(seed), delay), 60))
    pos = _positions(word, "u")
    gaps = [j - i - 1 for i, j in zip([-1, *pos], pos)] + [len(word) - 1 - pos[-1]]
    assert max(gaps) <= delay + 1  # bad stretches of at most about `delay` rounds
    assert len(pos) >= 60 // (delay + 2)
    assert any(g > 0 for g in gaps) or delay == 0


@pytest.mark.parametrize("seed", range(5))
def test_random_run_follows_the_formula(seed):
    rng = random.Random(seed)
    word = list(itertools.islice(random_run(P("eventually u"), rng, 4), 40))
    assert 1 <= len(_positions(word, "u")) and _positions(word, "u")[0] <= 5
    assert not _positions(word, "u")[1:]  # one good round is all it promises and all it gets
    word = list(itertools.islice(random_run(P("F (u and X u) and G F a"), rng, 2), 40))
    assert any("u" in x and "u" in y for x, y in zip(word, word[1:]))
    word = list(itertools.islice(random_run(P("X X X a"), rng, 2), 10))
    assert word[3] == {"a"} and not any(word[:3]) and not any(word[4:])
    word = list(itertools.islice(random_run(P("G F a and G F b"), rng, 2), 60))
    assert len(_positions(word, "a")) >= 5 and len(_positions(word, "b")) >= 5


def test_random_run_is_deterministic_per_seed():
    def take(seed):
        return list(itertools.islice(random_run(P("G F a and G F b"), random.Random(seed), 4),
                                     50))
    assert take(7) == take(7)
    assert any(take(7) != take(s) for s in range(5))


def test_random_run_of_an_unsatisfiable_assumption_is_an_error():
    with pytest.raises(LtlError, match="unsatisfiable"):
        random_run(P("G a and F not a"), random.Random(0))
