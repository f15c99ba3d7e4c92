"""The harnesses and benchmarks behind the README's tables.

May import: ``bot``, ``handlers``, ``db``, ``tests``.
"""
