"""Accounts: people, sign-up, sign-in, settings, password change and reset."""
