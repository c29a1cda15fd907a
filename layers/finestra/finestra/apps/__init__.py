"""One application object per function: settings in, the domain function out.

Each is built on the function's first invocation (see :class:`finestra.runtime.Lazy`)
and imports only what its function uses, so a cold start pays for nothing else.
"""
