"""Platform administration: people and their rights, partner organisations, the mail outbox."""
