"""Liveness: the LTL side of liveness proofs (:mod:`hoverify.liveness.ltl`)."""

from hoverify.liveness.ltl import (
    Ltl,
    LtlError,
    describe_supply,
    example,
    mismatch_message,
    parse_ltl,
    satisfiable,
    supplies,
    to_text,
    valid,
)

__all__ = ["Ltl", "LtlError", "describe_supply", "example", "mismatch_message", "parse_ltl",
           "satisfiable", "supplies", "to_text", "valid"]
