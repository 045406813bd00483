from . import feedback_portal
from . import helpdesk_ticket
from . import rating
from . import service_order_portal
from . import service_return_portal
from . import service_solution_portal
