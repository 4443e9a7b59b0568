"""Registration checks: is this practitioner on the right public register?

- `policy`: how numbers are written, how old a cached answer may be;
- `clients`: the one way to reach a register (its lock, its pause after an outage);
- `check`: one check, from the cache or the register, recorded with its evidence;
- `store`: the tables of checks and current states, and the history;
- `bulk`: many checks at once (CSV and JSON rows in, results out);
- `namematch`: how the name given compares with the register's;
- `apikeys`: the keys insurers use.
"""

from finder.registrations.bulk import (
    MAX_BULK_ROWS,
    MAX_WEB_FETCHES,
    check_many,
    flat_result,
    read_csv,
    write_csv,
)
from finder.registrations.check import CheckResult, check, record
from finder.registrations.clients import (
    REGISTER_BUSY_TIMEOUT,
    RegisterBusy,
    RegisterClients,
    clients_from_config,
)
from finder.registrations.json_rows import read_json_rows
from finder.registrations.policy import (
    DEFAULT_MAX_AGE,
    NUMBER_FORMATS,
    cache_max_age,
    limit_public_max_age,
    normalise_number,
    normalise_register,
)
from finder.registrations.store import history, read_current

__all__ = [
    "DEFAULT_MAX_AGE",
    "MAX_BULK_ROWS",
    "MAX_WEB_FETCHES",
    "NUMBER_FORMATS",
    "REGISTER_BUSY_TIMEOUT",
    "CheckResult",
    "RegisterBusy",
    "RegisterClients",
    "cache_max_age",
    "check",
    "check_many",
    "clients_from_config",
    "flat_result",
    "history",
    "limit_public_max_age",
    "normalise_number",
    "normalise_register",
    "read_csv",
    "read_current",
    "read_json_rows",
    "record",
    "write_csv",
]
