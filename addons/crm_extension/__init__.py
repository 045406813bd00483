from . import tools
from . import models
from . import report
from . import controllers
from .hooks import uninstall_hook
