"""Allow ``python -m torchsom``."""

import sys

from torchsom.cli.main import main

sys.exit(main())
