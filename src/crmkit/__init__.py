"""crmkit: the business rules of a CRM, embeddable, typed and extensible."""
