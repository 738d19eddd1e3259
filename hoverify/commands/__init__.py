"""CLI command modules: each has ``add_arguments(parser)`` and ``run(args) -> int``.

Exit codes: 0 success, 1 a property violation, 3 bad input (model, adversary, numbers).
"""
