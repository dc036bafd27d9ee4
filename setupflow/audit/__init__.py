"""The audit log of people and accounts (the site history covers sites and decisions)."""
