from . import service_record_analysis
from . import customer_satisfaction_report
from . import service_sla_report
from . import service_parts_report
from . import service_order_analysis
from . import service_technician_utilisation_report
from . import service_solution_report
