"""The proof engine: verification conditions, their discharge, and counterexample replay."""
