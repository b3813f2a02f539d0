"""Customer.io's own rules, shared by the destination that builds requests and the local workspace that applies
them: neither imports the other."""
