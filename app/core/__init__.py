"""What every area stands on: the database base and types, the transaction, the one
refusal, web helpers, the template registry, outbox, jobs, i18n, security, error pages."""
