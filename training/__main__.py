"""`python -m training {data,train,evaluate,reindex} --role R [--config ...]` (see `training.cli`)."""

import sys

from training.cli import main

sys.exit(main())
