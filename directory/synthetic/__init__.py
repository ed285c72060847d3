"""Deterministic synthetic directories, for benchmarks and load tests.

One seeded ``random.Random`` draws everything, identifiers included, so a seed always
gives the same population: the same ids, names, numbers and relations.  Rows go in
``BATCH`` rows per transaction (``write_rows``): Core ``insert()`` executemany on
SQLite, ``COPY`` on PostgreSQL.  On SQLite the ``actor_fts`` search index is filled by
the insert trigger on ``actor``; on PostgreSQL the GIN expression index keeps up.

Modules: ``vocabulary`` (names, places, titles), ``draw`` (the seeded choices and
synthetic identifiers), ``population`` (writing), ``samples`` (reading samples back).

This writes straight to the tables, past the service layer's checks.  It is for
throwaway databases only, never a database that holds real people.  Like the rest of
``directory`` it imports no other samband package.
"""

from directory.synthetic.draw import REFERENCE_TIME
from directory.synthetic.population import BATCH, PopulationSummary, generate_population, write_rows
from directory.synthetic.samples import QUERY_KINDS, EmployeeSample, sample_employees, sample_queries

__all__ = [
    "BATCH",
    "QUERY_KINDS",
    "REFERENCE_TIME",
    "EmployeeSample",
    "PopulationSummary",
    "generate_population",
    "sample_employees",
    "sample_queries",
    "write_rows",
]
