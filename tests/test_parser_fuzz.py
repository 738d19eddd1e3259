"""Fuzzing the notation: for ANY input string, ``parse`` and ``parse_problem`` either succeed or
raise a :class:`LogicError` located inside the input (never another exception)."""

from __future__ import annotations

import random
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies_terms import SIG, terms

from logic.errors import LogicError
from logic.parser import parse, parse_problem
from logic.printer import to_text
from logic.sorts import BOOL
from logic.terms import Term

SOURCE = "fuzz.hol"

VOCAB = [
    # binders, connectives, comparisons, sets, arithmetic (ASCII and Unicode)
    "forall", "∀", "exists", "∃", "not", "¬", "!", "and", "∧", "&", "or", "∨", "->", "=>", "==>",
    "→", "⇒", "<->", "<=>", "⇔", "↔", "true", "false", "⊤", "⊥", "if", "then", "else",
    "=", "==", "!=", "≠", "<", "<=", "≤", ">", ">=", "≥", "in", "∈", "notin", "∉", "subset", "⊆",
    "union", "∪", "inter", "∩", "\\", "minus", "∖", "{}", "∅", "card", "+", "-", "*", "/", "//",
    "(", ")", "{", "}", "|", "||", ",", ".", ":", "'", "#", "\n", "\\\n",
    # names of the test signature, sorts, versions, literals
    "x", "y", "d", "HO", "ts", "coord", "f", "c", "p", "v", "w", "k", "b", "C", "t0", "n", "2n",
    "i", "j", "q", "u", "S", "Val", "Ts", "Proc", "Int", "Bool", "Set", "Set(Proc)",
    "old", "init", "next", "0", "1", "3", "-1", "99999999999", "v!3", "x'", "old(x)", "init(d)",
    "zz", "ordered",
]
WEIRD = ["\x00", "\t", "\r", "\x0b", "\u2028", "\u00a0", "é", "ß", "φ", "ℕ", "½", "²", "٣",
         "\u0301", "😀", "\ud800", "§", "$", "@", "`", "~", "^", "%", ";", "?", "\"", "[", "]",
         "−", "·", "×", "′", "∣", "⟹", "⟺", "\ufeff", " ", "  "]
PROBLEM_HEADS = ["sort", "function", "constant", "versions", "prove", "sat", "unsat", "bogus",
                 "", "  "]


def _located(text: str, err: LogicError) -> None:
    """The error is located at a real position of ``text`` (1-based line and column)."""
    loc = err.location
    assert loc is not None, f"unlocated {type(err).__name__}: {err} for {text!r}"
    assert loc.source == SOURCE
    lines = text.split("\n")
    assert 1 <= loc.line <= len(lines), (text, str(err))
    assert 1 <= loc.column <= len(lines[loc.line - 1]) + 1, (text, str(err))
    assert err.message


def _parse(text: str) -> None:
    try:
        t = parse(text, SIG, source=SOURCE, expected=None)
    except LogicError as e:
        _located(text, e)
        return
    assert isinstance(t, Term)
    # whatever parses as a formula survives the printer
    if t.sort is BOOL:
        assert parse(to_text(t), SIG) is t


def _parse_problem(text: str) -> None:
    try:
        prob = parse_problem(text, SOURCE)
    except LogicError as e:
        _located(text, e)
        return
    for g in prob.goals:
        assert g.formula.sort is BOOL


def _random_formula_text(rng: random.Random) -> str:
    tokens = [rng.choice(VOCAB) for _ in range(rng.randint(1, 24))]
    if rng.random() < 0.3:
        tokens.insert(rng.randint(0, len(tokens)), rng.choice(WEIRD))
    return "".join(t + rng.choice([" ", " ", " ", "", "\n"]) for t in tokens)


def _random_problem_text(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(1, 6)):
        head = rng.choice(PROBLEM_HEADS)
        lines.append(head + " " + _random_formula_text(rng).replace("\n", " "))
    return rng.choice(["\n", "\n\n", "\r\n"]).join(lines)


def _mutate(rng: random.Random, text: str) -> str:
    """Delete, duplicate, insert or swap a few characters of a valid formula."""
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        if not chars:
            break
        k = rng.randrange(len(chars))
        op = rng.randrange(4)
        if op == 0:
            del chars[k]
        elif op == 1:
            chars.insert(k, chars[k])
        elif op == 2:
            chars.insert(k, rng.choice(VOCAB + WEIRD))
        else:
            m = rng.randrange(len(chars))
            chars[k], chars[m] = chars[m], chars[k]
    return "".join(chars)


VALID = [
    "forall i, j. d(i) and d(j) -> x(i) = x(j)",
    "∃v. |{i | x(i) = v}| > 2n/3 ∧ ∀i. d(i) → x(i) = v",
    "exists S: Set(Proc). forall q. HO(q) = S and |S| > n/2",
    "forall q in HO(p). old(x)(q) = x'(q) or init(d)(q)",
    "|{i ∈ C | ts(i) < t0}| >= n // 2 - -1",
    "if b then y(p) + f(p, c) * 2 > k else coord(k) notin C ∪ ∅",
    "exists a, b. a < b and (a = k <-> b != n / 3)",
]


def _run(texts: list[str], check: Callable[[str], None]) -> None:
    for text in texts:
        try:
            check(text)
        except AssertionError:
            raise
        except LogicError:
            raise
        except Exception as e:  # pragma: no cover - the failure this test exists to catch
            raise AssertionError(f"{type(e).__name__}: {e} escaped for input {text!r}") from e


def test_random_token_strings() -> None:
    rng = random.Random(0)
    texts = [_random_formula_text(rng) for _ in range(1200)]
    _run(texts, _parse)


def test_random_character_strings() -> None:
    rng = random.Random(0)
    alphabet = [ch for tok in VOCAB for ch in tok] + WEIRD
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
             for _ in range(600)]
    _run(texts, _parse)


def test_mutated_valid_formulas() -> None:
    rng = random.Random(0)
    for text in VALID:
        parse(text, SIG)                       # the seeds are valid
    texts = [_mutate(rng, rng.choice(VALID)) for _ in range(1200)]
    _run(texts, _parse)


def test_random_problem_files() -> None:
    rng = random.Random(0)
    texts = [_random_problem_text(rng) for _ in range(400)]
    header = ("sort Val\nsort Ts ordered\nfunction x: Proc -> Val\nfunction d: Proc -> Bool\n"
              "function HO: Proc -> Set(Proc)\nconstant p: Proc\nversions old, init, next\n")
    texts += [header + "prove g: " + _mutate(rng, rng.choice(VALID[:4])) for _ in range(300)]
    _run(texts, _parse_problem)


def test_deeply_nested_inputs() -> None:
    texts = []
    for opener, closer in [("(", ")"), ("{i | ", "}"), ("|", "|"), ("not ", ""), ("-", ""),
                           ("forall i. ", ""), ("if b then ", " else b"), ("x(", ")"),
                           ("old(x)(", ")"), ("{", ""), ("[", "]")]:
        for depth in (120, 600):
            texts.append(opener * depth + "b" + closer * depth)
    texts += ["k" + " - k" * 800 + " > 0", "b" + " -> b" * 800, "C" + " ∪ C" * 800 + " = C"]
    _run(texts, _parse)
    _run(["prove g: " + t for t in texts], _parse_problem)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=80))
def test_hypothesis_text_parse(text: str) -> None:
    _parse(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=120))
def test_hypothesis_text_parse_problem(text: str) -> None:
    _parse_problem(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(VOCAB + WEIRD), max_size=30).map(" ".join))
def test_hypothesis_token_soup(text: str) -> None:
    _parse(text)
    _parse_problem("prove g: " + text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(terms(BOOL, 3), st.randoms(use_true_random=False))
def test_hypothesis_mutated_printed_terms(t: Term, rng: random.Random) -> None:
    text = to_text(t, unicode=rng.random() < 0.5)
    _parse(_mutate(rng, text))
