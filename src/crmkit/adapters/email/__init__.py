"""E-mail senders: SMTP with STARTTLS or implicit TLS (issue 6)."""
