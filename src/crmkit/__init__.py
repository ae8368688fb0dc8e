"""crmkit: the business rules of a CRM, embeddable, typed and extensible.

>>> import crmkit
>>> crm = crmkit.connect()          # memory storage, console SMS and e-mail
>>> admin = crm.parties.create_first_admin(name="Ayşe Yılmaz")
>>> admin.position.value
'admin'
"""

from crmkit.bootstrap import Crm, connect
from crmkit.domain.money import Money
from crmkit.domain.settings import Settings
from crmkit.hookspecs import hookimpl
from crmkit.services.companies import ContactInput

__all__ = ["ContactInput", "Crm", "Money", "Settings", "connect", "hookimpl"]
__version__ = "0.1.0"
