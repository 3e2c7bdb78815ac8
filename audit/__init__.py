"""crm-audit: find where a CRM holds only the wins."""

__version__ = "0.1.0"
