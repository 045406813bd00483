from . import test_security_groups
from . import test_customer_360
from . import test_customer_feedback
from . import test_feedback_mail
from . import test_feedback_portal
from . import test_feedback_rating
from . import test_portal_ticket_close
from . import test_sla
