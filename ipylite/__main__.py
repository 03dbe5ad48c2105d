"""`python -m ipylite`: the terminal shell."""
import sys

from .terminal import main

sys.exit(main())
