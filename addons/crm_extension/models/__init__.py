from . import customer_feedback
from . import helpdesk_ticket
from . import helpdesk_ticket_team
from . import rating_rating
from . import res_company
from . import res_config_settings
from . import res_partner
from . import sale_order
