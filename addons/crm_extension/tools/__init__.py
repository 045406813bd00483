from . import actions
from . import customer_scoring
from . import working_time
from . import counts
from . import cpu
