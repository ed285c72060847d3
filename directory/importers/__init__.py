"""Importing the registries into the directory (``samband import <source> FILE…``):
see docs/import.md for which export of each registry is read, and how."""

from __future__ import annotations

from directory.importers.organisations import Adresseregisteret, Enhetsregisteret, Norg2
from directory.importers.people import Hpr
from directory.importers.relations import Fastlege, Narmesteleder
from directory.importers.runner import Report, run_import, summary

SOURCES = {i.name: i for i in (Enhetsregisteret(), Hpr(), Adresseregisteret(), Norg2(), Narmesteleder(), Fastlege())}

__all__ = ["SOURCES", "Report", "run_import", "summary"]
