"""Thin views, one module per resource: parse, call a service, answer (see answers)."""
