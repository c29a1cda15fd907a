"""The bodies outside the city that handle some themes: who they are and how they answer.

:mod:`.bodies` reads ``external_bodies.json``; :mod:`.links` signs the one-use links a
body follows to answer a conversation; :mod:`.callers` authenticates a body's calls to
the callback API; :mod:`.callbacks` applies a body's answer or return to a request.
"""
