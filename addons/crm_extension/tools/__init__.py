from . import actions
from . import working_time
