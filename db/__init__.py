"""The storage: the store on sqlite-utils, the versioned schema, digest schedules and the
update journal.

May import: the standard library and sqlite-utils. Never ``bot``, ``handlers`` or
``telegram``.
"""
