"""A local stand-in for Entra ID, Partner Center Referrals, Graph invitations and GT365.

A separate program (``python -m sandbox``, or ``refsync sandbox``) that imports nothing of the
pipeline: the pipeline can tell it from Microsoft only by its base URL and CA certificate.
See :mod:`sandbox.cli` for the command line and :mod:`sandbox.app` for the routes.
"""
