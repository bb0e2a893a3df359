"""``python -m tda_nn.cli``: the ``tda-nn`` command.

Floor: application.
"""

import sys

from . import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
