from . import feedback_portal
from . import rating
