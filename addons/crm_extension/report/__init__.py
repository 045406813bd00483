from . import customer_satisfaction_report
from . import service_sla_report
from . import service_parts_report
