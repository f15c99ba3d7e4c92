"""``python -m bot``: the ``storybot`` command.

May import: ``bot.cli``.
"""

from bot.cli import main

main()
