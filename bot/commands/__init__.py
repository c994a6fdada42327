"""The platform-neutral command layer: who asks, where, which command → a rich-text Reply.

`bot.commands.catalog.build_router` builds the command table; `router` dispatches; the
handlers live in `reading`, `subscribing` and `admin`. Nothing is imported here, so using
one module of the package does not load the rest.
"""
