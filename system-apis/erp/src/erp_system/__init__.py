"""Trivium's ERP System API: ERP data as clean resources, behind an adapter per ERP."""
