import sys

from web.cli import main

sys.exit(main(sys.argv[1:] or ["serve"]))
