import sys

from wavae.cli import main

sys.exit(main())
