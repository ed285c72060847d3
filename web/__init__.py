"""The application: the composition root, the only package that knows all others.

FastAPI app factory and settings, the HTTP API, sign-in (OpenID Connect relying party
and the embedded local identity provider), the command line, and the database
migrations.  Nothing imports ``web``.
"""
