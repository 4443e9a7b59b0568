"""Refresh: bring the directory and the registration cache up to date from the registers.

- `walk`: the run over each register, resumable;
- `searches`: walking GOsC and GCC, the whole register where it allows that, else searches
  from centres; retiring what a complete walk did not see;
- `centres`: where the GOsC and GCC searches are centred so they cover the UK;
- `pages`: one results page turned into directory rows, in one transaction;
- `recheck`: HCPC re-checks and the queue of numbers waiting for a check;
- `runs`: the options, the lock, runs and their checkpoints, the page budget, errors and the
  summary;
- `schema`: the refresh's tables.
"""

from finder.refresh.runs import Options, Progress, RefreshLock, RefreshLocked
from finder.refresh.walk import WALK_ORDER, refresh

__all__ = ["WALK_ORDER", "Options", "Progress", "RefreshLock", "RefreshLocked", "refresh"]
