"""Pytest fixtures for the lab PostgreSQL cluster (work in progress)."""
from __future__ import annotations
