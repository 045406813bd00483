from . import test_security_groups
from . import test_customer_360
