"""Allow ``python -m secpipe``."""

import sys

from secpipe._cli import main

sys.exit(main())
