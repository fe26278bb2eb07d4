import sys

from meshgen.cli import main

sys.exit(main())
