"""The harnesses and benchmarks behind the README's tables: run from a checkout (they are
not in the wheel), so they may share the tests' support code.

May import: ``bot``, ``handlers``, ``db``, ``tests.support``.
"""
