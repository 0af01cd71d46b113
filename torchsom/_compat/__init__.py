"""Adapters that keep code written for earlier releases working.

Anything here has behaviour of its own (a different calling convention forwarded to the
current API); ``torchsom.utils`` re-exports it under the old module paths and holds no
logic itself (the architecture test checks both).
"""
