"""Programmes: organisations, programmes and their teams, cohorts, sessions, questions."""
