from . import working_time
from . import dispatch_solver
