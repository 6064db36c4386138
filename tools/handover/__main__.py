import sys

from tools.handover.cli import main

sys.exit(main())
